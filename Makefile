# Two commands do all the setup: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
REPLICAS ?= 2

.PHONY: run serve deploy test test-fast fuzz sweep lint format bench bench-page bench-load bench-soak \
	bench-train bench-memory bench-csv screenshot clean

# The venv is rebuilt when the requirements change (the stamp files are older).
$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime  ## serve the app on http://localhost:8501, full error details
	MALLOC_ARENA_MAX=2 $(PY) -m streamlit run app.py --server.port $(PORT) --server.address localhost \
		--client.showErrorDetails full

serve: $(VENV)/.runtime  ## the hosted profile (.streamlit/config.toml) on 0.0.0.0:8501
	env -u RNNVIZ_OWN_MODELS MALLOC_ARENA_MAX=2 $(PY) -m streamlit run app.py --server.port $(PORT) --server.address 0.0.0.0

deploy: $(VENV)/.runtime  ## REPLICAS copies behind nginx on 0.0.0.0:8080; Ctrl-C stops all
	$(PY) -m deploy.replicas --replicas $(REPLICAS)

# Two workers, a test file each at a time (its browser and server stay with it): the real-browser
# tests mostly wait on a server or a browser, so two of them share 2 cores well.
test: $(VENV)/.dev  ## lint, then every test (core, CLI, AppTest, real browser), two at a time
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: $(VENV)/.dev  ## everyday loop: lint and every test but the real-browser ones
	$(PY) -m ruff check .
	$(PY) -m pytest -m "not browser"

fuzz: $(VENV)/.dev  ## the full URL fuzz: 320 seeded bad links through the page (AppTest)
	$(PY) -m pytest --fuzz tests/test_fuzz.py -q

sweep: $(VENV)/.dev  ## the browser sweeps' other states: axe-core on every section in both themes, ...
	$(PY) -m pytest --sweep -m sweep -n 2 --dist loadfile -q

lint: $(VENV)/.dev
	$(PY) -m ruff check .

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(VENV)/.runtime  ## print the speed table that bench/README.md quotes
	$(PY) bench/bench.py

bench-page: $(VENV)/.dev  ## time the page in chromium against a floor app; PASS/FAIL per target
	$(PY) bench/page.py

bench-load: $(VENV)/.dev  ## 8 sessions on one server: errors, cross-talk, CPU per rerun, reruns/s
	$(PY) bench/load.py

bench-soak: $(VENV)/.dev  ## 150 configs through one server in chromium: RSS, peak and growth
	$(PY) bench/soak.py

bench-train: $(VENV)/.runtime  ## LSTM vs SimpleRNN on the adding problem, T = 50, 60 s; PASS/FAIL
	$(PY) bench/training.py

bench-memory: $(VENV)/.runtime  ## a run's peak memory and each view's bytes against what the caches count
	$(PY) bench/memory.py

bench-csv: $(VENV)/.runtime  ## your data's .csv read by pandas against the row-by-row reader
	$(PY) bench/csv_read.py

screenshot: $(VENV)/.dev  ## docs/screenshot.png, from a real browser
	$(PY) -m tests.screenshot docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
