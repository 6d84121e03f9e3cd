## tests/tty — a few black-box tests of the real TUI on a pty, in a private
## tmux server: resize, signals restoring the terminal, NO_COLOR, TERM=screen,
## the C locale's ASCII borders, the monitor's keys.  Skipped without tmux.
## They drive tests/screen/screen_driver (or $KEYDECK once it runs the TUI).
TESTS += tests/tty/run.sh
EXTRA_DIST += tests/tty/run.sh
