## tests/integration — the keydeck binary driven from the shell (TAP).
TESTS += tests/integration/cli.sh
EXTRA_DIST += tests/integration/cli.sh
TESTS += tests/integration/audit.sh
EXTRA_DIST += tests/integration/audit.sh
