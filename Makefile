# ClipTune — common tasks. `make demo` and `make test` work on a fresh Debian/Ubuntu machine with Swift.
SYSTEM_PACKAGES := libdnnl-dev libopenblas-dev libjpeg62-turbo-dev libpng-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build release test test-release-cli demo tour bench fixtures fuzz clean

## deps: install the system C libraries (oneDNN, OpenBLAS, libjpeg-turbo, libpng) if any is missing
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

build: deps
	swift build

release: deps
	swift build -c release

## test: the whole test suite (Swift Testing)
test: deps
	swift build --build-tests
	swift test --skip-build

## fuzz: build the libFuzzer targets in Fuzz/ and run each FUZZ_SECONDS (default 60) on a copy of
## its seed corpus; fails on any crash. One target: make fuzz TARGET=png FUZZ_SECONDS=600
FUZZ_SECONDS ?= 60
TARGET ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Scripts/fuzz.sh $(TARGET)

## test-release-cli: the CLI tests again, against the release binary (CI runs this after `make test`)
test-release-cli: release
	swift build --build-tests
	CLIPTUNE_EXECUTABLE=$(CURDIR)/.build/release/cliptune swift test --skip-build --filter CLITests

## demo: pretrain a small CLIP on synthetic shapes, evaluate on a shifted domain, LoRA-adapt, evaluate, report; then the few-shot study and the captioning demo (~3 min)
demo: release
	Scripts/demo.sh

## tour: every subcommand once on the committed tiny CLIP and fixtures (a few seconds)
tour: release
	Scripts/tour.sh

## bench: ClipTune vs the PyTorch anchor, side by side: embed, LoRA and full steps (needs ~/torch-anchor, see README)
bench: release
	Scripts/bench/side_by_side.sh embed,lora,full

## fixtures: regenerate the committed reference fixtures (needs the Python reference oracle)
PY ?= $(HOME)/torch-anchor/bin/python
fixtures:
	for s in layer clip image tokenizer safetensors peft training train_parity weight_decay; do $(PY) Scripts/fixtures/make_$${s}_fixtures.py || exit 1; done

clean:
	rm -rf .build
