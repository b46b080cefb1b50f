/* stap -T with many targets: a list, node sets (web[01-40]) and groups
 * (@db, from known_hosts(5) group= or ClusterShell's own group files).
 *
 * One build per distinct kernel (a child stap -p4 for each, as many at once
 * as there are cores, each through the cache); then the fan-out, done by
 * ClusterShell (translator/fleet-run): one round trip reads every host's
 * facts, a second uploads, checks the digest, runs the record's loader
 * --tied and cleans up, every host's lines prefixed with its name; last, a
 * summary with one node set per outcome and one exit status. */
#ifndef TRANSLATOR_FLEET_H
#define TRANSLATOR_FLEET_H

struct stap_session;

/* Is s->target_name a fleet (a list, a node set or a group) rather than one
 * target's name?  1 or 0. */
int fleet_wanted(const struct stap_session *s);
/* Run the whole fleet: the exit status (0 only when every host succeeded). */
int fleet_main(struct stap_session *s, int argc, char **argv);

#endif
