# Wanzhou Jobs — make targets
#   make run     set up .venv, migrate, load reference data and demo accounts, serve on 127.0.0.1:8000
#   make test    set up .venv if missing, run the whole suite (SQLite, Celery eager)
#   make lint    ruff check + format check
#   make serve   gunicorn with production settings (DEBUG off) against DATABASE_URL, on 127.0.0.1:8000
#   make worker  Celery worker (needs REDIS_URL)
#   make beat    Celery beat (needs REDIS_URL)
#   make bench   benchmarks under bench/ (needs DATABASE_URL=postgres://…)
#   make browser install Debian's chromium for the browser tests (root)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# run, worker, beat and bench on this machine: a random key of this checkout (made once, never committed:
# var/ is ignored) unless SECRET_KEY is set, and plain HTTP on 127.0.0.1. The settings refuse to start with
# no key at all; the tests take theirs from tests/settings.py.
LOCAL_KEY := var/secret_key
LOCAL_ENV = SECRET_KEY="$${SECRET_KEY:-$$(cat $(LOCAL_KEY))}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" SECURE_COOKIES="$${SECURE_COOKIES:-false}"

.PHONY: run serve test lint worker beat bench browser setup clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

$(LOCAL_KEY):
	mkdir -p $(@D)
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: $(STAMP) $(LOCAL_KEY)
	$(LOCAL_ENV) $(PY) manage.py migrate --noinput
	$(LOCAL_ENV) $(PY) manage.py load_reference_data
	$(LOCAL_ENV) $(PY) manage.py create_demo_accounts
	$(LOCAL_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Production settings (DEBUG off, deploy/gunicorn.conf.py) on plain HTTP: what the systemd unit runs, here.
serve: $(STAMP) $(LOCAL_KEY)
	$(LOCAL_ENV) DEBUG=false $(PY) manage.py migrate --noinput
	$(LOCAL_ENV) DEBUG=false $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py wanzhou_jobs.wsgi

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

worker: $(STAMP) $(LOCAL_KEY)
	$(LOCAL_ENV) $(VENV)/bin/celery -A wanzhou_jobs worker --loglevel=INFO

beat: $(STAMP) $(LOCAL_KEY)
	$(LOCAL_ENV) $(VENV)/bin/celery -A wanzhou_jobs beat --loglevel=INFO

bench: $(STAMP) $(LOCAL_KEY)
	$(LOCAL_ENV) $(PY) bench/run_all.py

browser:
	test -x /usr/bin/chromium -a -d /usr/share/fonts/truetype/hanazono || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-hanazono)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
