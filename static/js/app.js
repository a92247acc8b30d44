/*
 * Every page: the phone menu and forms that submit themselves. No inline code anywhere (the CSP allows
 * scripts from /static/ only). Without JavaScript the menu stays open and forms keep their buttons.
 */
(function () {
  "use strict";

  // The phone menu: the button under the header opens and closes the navigation (app.css hides the
  // navigation at phone width only once this script has marked the page with .js).
  document.documentElement.classList.add("js");
  var toggle = document.querySelector("[data-menu-toggle]");
  if (toggle) {
    var header = toggle.closest("header");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // <select data-autosubmit>: choosing a value submits its form (a <noscript> button does it without JS).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
})();
