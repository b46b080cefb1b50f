# fleet/: fleet-run, the fan-out of stap -T FLEET and stap-authorize -w on
# ClusterShell's Python API (lib/installed.c finds it: the source tree's
# from a build tree, DATADIR's once installed).
install-fleet-run:
	install -d $(DESTDIR)$(datadir)
	install -m 0755 fleet/fleet-run $(DESTDIR)$(datadir)/fleet-run
INSTALL_TARGETS += install-fleet-run
.PHONY: install-fleet-run
