## bench — see Makefile.am
