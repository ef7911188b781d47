# Broadsheet. `make demo` to try it, `make test` for the whole suite (what CI
# runs), `make bench` for the load benchmark, `make bench-archive` for the
# archive's (a million stories: long, and not part of `make test`).
.PHONY: demo test bench bench-archive build

demo:
	go run ./cmd/broadsheet demo

# Every test runs on SQLite and PostgreSQL. Two packages at a time keeps two
# cores busy without the database-heavy packages starving each other.
test:
	go vet ./...
	go test -count=1 -p 2 -timeout 40m ./...

bench:
	bash scripts/bench.sh

bench-archive:
	bash scripts/bench-archive.sh

build:
	go build -o bin/broadsheet ./cmd/broadsheet
