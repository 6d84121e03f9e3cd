## Manual pages and documents, installed and shipped in the tarball.
dist_man_MANS += doc/keydeck.1 doc/keydeckd.8
dist_doc_DATA += doc/keystore.md
