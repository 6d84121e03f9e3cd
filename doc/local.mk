## doc — see Makefile.am
