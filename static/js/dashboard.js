/*
 * Progress dashboards: draws the charts and wires the filter form. No inline code anywhere (CSP):
 * chart data comes from <script type="application/json"> blocks written by Django's json_script, and
 * each chart container names its block in data-chart. Needs ECharts (static/vendor/echarts).
 */
(function () {
  "use strict";

  var COLORS = {
    count: "#1a56a6",
    plan: "#b3261e",
    ok: "#2f855a",
    lagging: "#d69e2e",
    serious: "#c53030",
    none: "#a0aec0",
    axis: "#616e7c"
  };
  var charts = [];

  function readData(id) {
    var block = document.getElementById(id);
    if (!block) { return null; }
    try { return JSON.parse(block.textContent); } catch (e) { return null; }
  }

  function pct(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  }

  function thousands(value) {
    return value === null || value === undefined ? "—" : String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function trendOption(data) {
    var series = [{
      name: data.count_name,
      type: "line",
      data: data.count,
      symbolSize: 6,
      lineStyle: { width: 3, color: COLORS.count },
      itemStyle: { color: COLORS.count },
      connectNulls: false
    }];
    if (data.target) {
      series.push({
        name: data.expected_name,
        type: "line",
        data: data.expected,
        symbol: "none",
        lineStyle: { width: 2, type: "dashed", color: COLORS.plan },
        itemStyle: { color: COLORS.plan },
        markLine: {
          silent: true,
          symbol: "none",
          label: { formatter: data.target_name + " " + thousands(data.target), position: "insideEndTop" },
          lineStyle: { color: COLORS.axis, type: "dotted" },
          data: [{ yAxis: data.target }]
        }
      });
    }
    var valueAxis = { type: "value", axisLabel: { color: COLORS.axis, formatter: thousands } };
    if (data.target) {
      // Keep the target line in view even while the count is far below it.
      valueAxis.max = function (extent) { return Math.max(extent.max, data.target); };
    }
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, itemWidth: 18 },
      tooltip: { trigger: "axis", valueFormatter: thousands },
      xAxis: { type: "category", data: data.months, boundaryGap: false, axisLabel: { color: COLORS.axis } },
      yAxis: valueAxis,
      series: series
    };
  }

  function completionOption(data, narrow) {
    var bars = data.rates.map(function (rate, i) {
      return { value: Math.round(rate * 1000) / 10, itemStyle: { color: COLORS[data.statuses[i]] || COLORS.none } };
    });
    var category = {
      type: "category",
      data: data.names,
      axisLabel: narrow
        ? { interval: 0, fontSize: 11, color: COLORS.axis }
        : { interval: 0, rotate: 60, fontSize: 11, color: COLORS.axis },
      axisTick: { alignWithLabel: true },
      inverse: narrow
    };
    var value = { type: "value", axisLabel: { formatter: "{value}%", color: COLORS.axis } };
    var timeLine = Math.round(data.time_progress * 1000) / 10;
    return {
      animation: false,
      grid: { left: 8, right: narrow ? 24 : 8, top: 24, bottom: 4, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var i = items[0].dataIndex;
          return data.names[i] + "<br>" + data.rate_name + " " + pct(data.rates[i]) + "<br>" +
            data.count_label + " " + thousands(data.counts[i]) + " / " + data.target_label + " " +
            thousands(data.targets[i]);
        }
      },
      xAxis: narrow ? value : category,
      yAxis: narrow ? category : value,
      series: [{
        name: data.rate_name,
        type: "bar",
        data: bars,
        barMaxWidth: 18,
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { color: COLORS.plan, type: "dashed", width: 2 },
          label: { formatter: data.time_name + " " + timeLine + "%", position: "insideEndTop", color: COLORS.plan },
          data: [narrow ? { xAxis: timeLine } : { yAxis: timeLine }]
        }
      }]
    };
  }

  function draw(container) {
    var data = readData(container.getAttribute("data-chart"));
    if (!data) { return; }
    container.style.height = "";
    var narrow = container.clientWidth < 560;
    var option;
    if (data.kind === "trend") {
      option = trendOption(data);
    } else if (data.kind === "completion") {
      if (narrow) { container.style.height = Math.max(320, data.names.length * 20 + 60) + "px"; }
      option = completionOption(data, narrow);
    } else {
      return;
    }
    var chart = window.echarts.getInstanceByDom(container) || window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption(option, true);
    charts.push(chart);
  }

  function drawAll() {
    if (!window.echarts) { return; }
    charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  }

  function wireFilters() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosubmit]"), function (form) {
      var year = form.querySelector("select[name=year]");
      var asOf = form.querySelector("input[name=as_of]");
      if (!year) { return; }
      year.addEventListener("change", function () {
        // A date of another year would be moved into the new one; start from its default instead.
        if (asOf) { asOf.value = ""; asOf.disabled = true; }
        form.submit();
      });
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      charts.forEach(function (chart) { chart.dispose(); });
      drawAll();
    }, 200);
  });

  wireFilters();
  drawAll();
})();
