# `make demo` and `make test` each set up .venv themselves on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench bench-full browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  # make demo PORT=8051 for another port
	$(BIN)/embedash demo $(if $(PORT),--port $(PORT))

# Debian's chromium + chromium-driver when missing and we are root; under CI=true a
# missing browser is an error, never a skip.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium and chromium-driver"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  fi; \
	fi
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$${CI:-}" = true ]; then echo "CI: chromium/chromedriver missing; browser tests cannot run" >&2; exit 1; fi; \
	  echo "warning: chromium/chromedriver missing; browser tests will be skipped (install: apt-get install chromium chromium-driver)"; \
	fi

test: $(STAMP) browser
	$(BIN)/pytest

# Benchmarks print a table; they assert nothing. bench: 1M vs 10M events (a few minutes);
# bench-full: 10M vs 100M events (ten to twenty minutes, about 7 GB of disk).
bench: $(STAMP) browser
	$(BIN)/python -m bench.run --events 10000000 --compare 1000000

bench-full: $(STAMP) browser
	$(BIN)/python -m bench.run --events 100000000 --compare 10000000

clean:
	rm -rf $(VENV) *.egg-info
