# Broadsheet. `make demo` to try it, `make test` for the whole suite (what CI
# runs), `make bench` for the load benchmark.
.PHONY: demo test bench build

demo:
	go run ./cmd/broadsheet demo

# Every test runs on SQLite and PostgreSQL. Two packages at a time keeps two
# cores busy without the database-heavy packages starving each other.
test:
	go vet ./...
	go test -count=1 -p 2 -timeout 15m ./...

bench:
	bash scripts/bench.sh

build:
	go build -o bin/broadsheet ./cmd/broadsheet
