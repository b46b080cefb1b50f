/* PAM account management for the service "staprun-auth" (MUST 5): the
 * administrator can deny a user with pam_listfile, pam_access, pam_time... */
#include "staprun-auth/auth.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <string.h>

/* No prompt is ever answered: account management must not ask. */
static int pam_refuse_conv(int n, const struct pam_message **msg, struct pam_response **resp,
			   void *arg)
{
	(void)n;
	(void)msg;
	(void)arg;
	*resp = NULL;
	return PAM_CONV_ERR;
}

int auth_pam_account(const char *service, const char *user, char *err, size_t errlen)
{
	struct pam_conv conv = {pam_refuse_conv, NULL};
	pam_handle_t *h = NULL;
	int r;

	r = pam_start(service, user, &conv, &h);
	if (r != PAM_SUCCESS) {
		snprintf(err, errlen, "PAM service %s cannot start", service);
		return -1;
	}
	r = pam_set_item(h, PAM_RUSER, user);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(h, PAM_SILENT);
	if (r != PAM_SUCCESS)
		snprintf(err, errlen, "PAM account check (service %s) denied %s: %s", service, user,
			 pam_strerror(h, r));
	pam_end(h, r);
	return r == PAM_SUCCESS ? 0 : -1;
}
