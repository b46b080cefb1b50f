# Bash completion (bash-completion loads completions/CMD when CMD is first
# completed): stap and stap-target, staprun.auth, stap-authorize.
COMPLETIONS := stap staprun.auth stap-authorize
INSTALL_TARGETS += install-completion
install-completion:
	install -d $(DESTDIR)$(completionsdir)
	for c in $(COMPLETIONS); do install -m 0644 completion/$$c $(DESTDIR)$(completionsdir)/$$c; done
	ln -sf stap $(DESTDIR)$(completionsdir)/stap-target
.PHONY: install-completion
