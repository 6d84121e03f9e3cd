## tests/integration — the keydeck binary driven from the shell (TAP).
TESTS += tests/integration/cli.sh
EXTRA_DIST += tests/integration/cli.sh
