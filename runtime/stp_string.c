/* String values: every string is a NUL-terminated buffer of MAXSTRINGLEN
 * bytes (locals, temporaries, globals); longer results are truncated, as in
 * stap. */

static const char *stp_strcpy(char *dst, const char *src)
{
	if (dst != src)
		strscpy(dst, src, MAXSTRINGLEN);
	return dst;
}

static const char *stp_concat(char *dst, const char *a, const char *b)
{
	size_t la = strnlen(a, MAXSTRINGLEN - 1);

	if (dst != a)
		memmove(dst, a, la);
	dst[la] = '\0';
	strlcat(dst, b, MAXSTRINGLEN);
	return dst;
}

static __printf(2, 3) const char *stp_sprintf(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, MAXSTRINGLEN, fmt, ap);
	va_end(ap);
	return dst;
}

static int64_t stp_strlen(const char *s)
{
	return strnlen(s, MAXSTRINGLEN);
}

static const char *stp_substr(char *dst, const char *s, int64_t start, int64_t len)
{
	int64_t n = strnlen(s, MAXSTRINGLEN);

	dst[0] = '\0';
	if (start < 0 || len <= 0 || start >= n)
		return dst;
	if (len > n - start)
		len = n - start;
	memmove(dst, s + start, len);
	dst[len] = '\0';
	return dst;
}

static int64_t stp_isinstr(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

static int64_t stp_strpos(const char *s, const char *sub)
{
	const char *p = strstr(s, sub);

	return p ? p - s : -1;
}

static int64_t stp_strtol(struct stp_context *c, const char *s, int64_t base, const char *loc)
{
	if (base != 0 && (base < 2 || base > 36)) {
		stp_error(c, loc, "strtol: invalid base %lld", (long long)base);
		return 0;
	}
	return simple_strtoll(s, NULL, base);
}

static int64_t stp_stringat(struct stp_context *c, const char *s, int64_t i, const char *loc)
{
	if (i < 0 || i >= (int64_t)strnlen(s, MAXSTRINGLEN)) {
		stp_error(c, loc, "Position %lld is outside string (length %zu)", (long long)i,
			  strnlen(s, MAXSTRINGLEN));
		return 0;
	}
	return (unsigned char)s[i];
}

static const char *stp_case(char *dst, const char *s, bool upper)
{
	size_t i;

	for (i = 0; i < MAXSTRINGLEN - 1 && s[i]; i++)
		dst[i] = upper ? toupper(s[i]) : tolower(s[i]);
	dst[i] = '\0';
	return dst;
}

/* text_str: C-style escapes for anything not printable. */
static const char *stp_text_strn(char *dst, const char *s, int64_t maxlen, bool quoted)
{
	size_t o = 0, i;
	size_t cap = MAXSTRINGLEN - 1;

	if (quoted)
		dst[o++] = '"';
	for (i = 0; s[i] && (maxlen <= 0 || (int64_t)i < maxlen); i++) {
		unsigned char ch = s[i];
		char esc[5];
		size_t k;

		if (ch == '\n')
			k = scnprintf(esc, sizeof(esc), "\\n");
		else if (ch == '\t')
			k = scnprintf(esc, sizeof(esc), "\\t");
		else if (ch == '"' || ch == '\\')
			k = scnprintf(esc, sizeof(esc), "\\%c", ch);
		else if (ch < 32 || ch > 126)
			k = scnprintf(esc, sizeof(esc), "\\%03o", ch);
		else
			k = scnprintf(esc, sizeof(esc), "%c", ch);
		if (o + k + (quoted ? 1 : 0) > cap)
			break;
		memcpy(dst + o, esc, k);
		o += k;
	}
	if (quoted)
		dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

static const char *stp_str_replace(char *dst, const char *s, const char *from, const char *to)
{
	size_t o = 0, lf = strlen(from), lt = strlen(to);

	while (*s && o < MAXSTRINGLEN - 1) {
		if (lf && !strncmp(s, from, lf)) {
			size_t k = min_t(size_t, lt, MAXSTRINGLEN - 1 - o);

			memcpy(dst + o, to, k);
			o += k;
			s += lf;
		} else {
			dst[o++] = *s++;
		}
	}
	dst[o] = '\0';
	return dst;
}

/* tokenize(s, delim): s non-empty starts a new scan, "" continues it. */
static const char *stp_tokenize(struct stp_context *c, char *dst, const char *s, const char *delim)
{
	const char *p;
	size_t n;

	if (s[0]) {
		strscpy(c->tok_buf, s, MAXSTRINGLEN);
		c->tok_next = c->tok_buf;
	}
	dst[0] = '\0';
	p = c->tok_next;
	if (!p)
		return dst;
	p += strspn(p, delim);
	n = strcspn(p, delim);
	if (!n) {
		c->tok_next = NULL;
		return dst;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
	c->tok_next = p[n] ? p + n + 1 : NULL;
	return dst;
}
