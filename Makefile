# The two commands: `make run` and `make test`. Both install what is missing first (idempotent).
SHELL := /bin/bash
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: setup build run test bench lint clean chaos

setup:
	@bash infra/setup/setup.sh

build: setup
	dotnet build pipeline.sln -nologo -v quiet -clp:ErrorsOnly

run: setup
	./pipeline up

# Contracts (buf lint, breaking changes), C# layout against .editorconfig, and the long-line count that may only fall.
lint: setup
	cd schemas/proto && "$${PIPELINE_CACHE:-$$HOME/.cache/pipeline}/buf/node_modules/.bin/buf" lint
	bash schemas/proto/check-breaking.sh
	dotnet tool restore >/dev/null
	dotnet csharpier check .
	dotnet format style pipeline.sln --verify-no-changes --diagnostics IDE1006 --severity warn -v q
	bash infra/lint/long-lines.sh
	python3 infra/lint/architecture.py

# Target-specific: setup (a prerequisite) then also installs chromium for the dashboard's browser test.
test: export PIPELINE_SETUP_BROWSER := 1
test: setup lint
	bash infra/setup/stop-stale-test-servers.sh
	dotnet test pipeline.sln -nologo -v quiet -clp:ErrorsOnly --logger "console;verbosity=normal" -- RunConfiguration.TestSessionTimeout=4800000

bench: setup
	dotnet run -c Release --project bench/Pipeline.Benchmarks -- $(ARGS)

# Fault injection (not part of `make test`): separate role processes killed at random, broker killed, PostgreSQL
# stopped for 30 s; the stored rows are compared with a clean run of the same input. See docs/chaos.md.
chaos: setup
	./pipeline --help >/dev/null
	python3 infra/chaos/chaos.py $(ARGS)

clean:
	rm -rf .run
	find . -name bin -o -name obj -type d -prune -exec rm -rf {} +
