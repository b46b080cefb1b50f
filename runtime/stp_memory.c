/* Reads of kernel and user memory that may fault: a fault becomes a script
 * error (or the caller's fallback string), never an oops.  Only the exported
 * nofault copies are used (strncpy_*_nofault are not exported by 6.1). */

static bool stp_copy_nofault(void *dst, unsigned long addr, size_t n, bool user)
{
	if (user)
		return copy_from_user_nofault(dst, (const void __user *)addr, n) == 0;
	return copy_from_kernel_nofault(dst, (const void *)addr, n) == 0;
}

/* Read a NUL-terminated string a page piece at a time, so a string that ends
 * just before an unmapped page reads fine.  maxlen < 0: up to MAXSTRINGLEN-1. */
static bool stp_read_string(char *dst, unsigned long addr, int64_t maxlen, bool user)
{
	size_t cap = MAXSTRINGLEN - 1, o = 0;

	if (maxlen >= 0 && (uint64_t)maxlen < cap)
		cap = maxlen;
	while (o < cap) {
		size_t chunk = PAGE_SIZE - ((addr + o) & ~PAGE_MASK);
		char *nul;

		if (chunk > cap - o)
			chunk = cap - o;
		if (!stp_copy_nofault(dst + o, addr + o, chunk, user))
			return false;
		nul = memchr(dst + o, '\0', chunk);
		if (nul)
			return true;
		o += chunk;
	}
	dst[o] = '\0';
	return true;
}

static const char *stp_mem_string(struct stp_context *c, char *dst, int64_t addr, int64_t maxlen,
				  bool user, const char *fallback, const char *loc)
{
	if (addr && stp_read_string(dst, (unsigned long)addr, maxlen, user))
		return dst;
	if (fallback)
		return stp_strcpy(dst, fallback);
	dst[0] = '\0';
	stp_error(c, loc, "%s string copy fault at 0x%llx", user ? "user" : "kernel",
		  (unsigned long long)addr);
	return dst;
}

/* size 1, 2, 4 or 8 bytes, sign-extended like stap's kernel_int etc. */
static int64_t stp_mem_read(struct stp_context *c, int64_t addr, int size, bool user,
			    const char *loc)
{
	union {
		s8 b;
		s16 h;
		s32 w;
		s64 q;
	} v;

	if (!stp_copy_nofault(&v, (unsigned long)addr, size, user)) {
		stp_error(c, loc, "%s read fault at 0x%llx", user ? "user" : "kernel",
			  (unsigned long long)addr);
		return 0;
	}
	switch (size) {
	case 1:
		return v.b;
	case 2:
		return v.h;
	case 4:
		return v.w;
	default:
		return v.q;
	}
}
