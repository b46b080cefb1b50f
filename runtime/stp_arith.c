/* Script arithmetic on values a user may control (module parameters,
 * target-process memory, $args): every operation is defined for every
 * input, as stap defines it, never C undefined behaviour or a CPU trap.
 * + - * wrap (the generated code computes them in uint64_t). */

static int64_t stp_div(struct stp_context *c, int64_t a, int64_t b, bool mod, const char *loc)
{
	if (unlikely(b == 0)) {
		stp_error(c, loc, "division by 0");
		return 0;
	}
	if (unlikely(b == -1)) /* INT64_MIN / -1 and % -1 trap on x86 */
		return mod ? 0 : (int64_t)(0 - (uint64_t)a);
	return mod ? a % b : div64_s64(a, b);
}

/* Shift counts are taken modulo 64, like stap's own runtime. */
static int64_t stp_shl(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a << (b & 63));
}

static int64_t stp_shr(int64_t a, int64_t b)
{
	return a >> (b & 63);
}

/* A printf '*' width or precision: the kernel's vsnprintf WARNs (a panic
 * with panic_on_warn) beyond its field limits, so clamp first. */
static int stp_fmt_star(int64_t v)
{
	return (int)clamp_t(int64_t, v, -STP_FMT_STAR_MAX, STP_FMT_STAR_MAX);
}
