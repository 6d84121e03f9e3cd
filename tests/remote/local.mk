## tests/remote — the remote backend and keydeckd against real servers on
## 127.0.0.1: keydeckd itself, keydeckd behind the Unkey spec validator (Prism,
## from ../shared/tools/unkey-conformance), and a misbehaving server (TAP).
TESTS += tests/remote/keydeckd.sh tests/remote/conformance.sh tests/remote/faults.sh \
	tests/remote/cancel_tty.sh
EXTRA_DIST += tests/remote/keydeckd.sh tests/remote/conformance.sh tests/remote/faults.sh \
	tests/remote/cancel_tty.sh \
	tests/remote/scenario.py tests/remote/fault_server.py
