#include "policy/policy.h"

#include "keys/verify.h"

/* One rule for the policy file and the keys folder, kept in keys/perms.c. */
int policy_check_perms(const char *path, uid_t owner, char *msg, size_t msglen)
{
	return keys_check_path(path, owner, 0, msg, msglen);
}
