/* The fixture "module" of the fake-kernel tests (tests/cli/auth_fake.sh,
 * tests/cli/fleet_authorize.sh): an object shaped like a module, with the
 * transport's internal parameters and two user parameters. */
/* clang-format off */
#ifndef STP_FIX_VERMAGIC /* the tests give the running kernel's release */
#define STP_FIX_VERMAGIC "6.1.0"
#endif
__attribute__((section(".modinfo"), used)) static const char m[] =
"license=GPL\0name=stp_fix\0vermagic=" STP_FIX_VERMAGIC " SMP mod_unload\0"
"parmtype=lines:int\0parmtype=prefix:charp\0"
"parmtype=_stp_uid:uint\0parmtype=_stp_gid:uint\0parmtype=_stp_target:int\0";
struct mod { int s; void *l[2]; char name[56]; char rest[200]; };
__attribute__((section(".gnu.linkonce.this_module"), used))
struct mod this_module = { .name = "stp_fix" };
