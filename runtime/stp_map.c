/* Associative arrays: fixed-size hash maps preallocated at module start
 * (MAXMAPENTRIES or the declared size), keyed by up to STP_MAXKEYS longs and
 * strings, holding a long, a string or a statistic.  The owning global's
 * lock guards a map; nothing here allocates in probe context.
 *
 *   entry (esize bytes, in one pool):
 *   +------+------+---------------------------+-------+
 *   | next | used | key 0 | key 1 | ...       | value |
 *   +------+------+---------------------------+-------+
 *   next: index+1 of the next entry in the hash chain or free list (0 = end)
 *   long key: 8 bytes; string key: MAXSTRINGLEN bytes. */

enum stp_vtype { STP_V_LONG, STP_V_STRING, STP_V_STAT };
enum stp_ktype { STP_K_LONG, STP_K_STRING };

union stp_key {
	int64_t n;
	const char *s;
};

struct stp_ment {
	u32 next;
	u32 used;
};

struct stp_map {
	const char *name;
	unsigned int nkeys;
	u8 ktype[STP_MAXKEYS];
	u32 koff[STP_MAXKEYS];
	enum stp_vtype vtype;
	struct stp_hist hist;
	u32 max, count, esize, voff, nbuckets;
	u32 *heads;
	u32 free_head;
	char *pool;
};

static inline struct stp_ment *stp_map_ent(const struct stp_map *m, u32 i)
{
	return (struct stp_ment *)(m->pool + (size_t)i * m->esize);
}

static inline void *stp_ment_val(const struct stp_map *m, struct stp_ment *e)
{
	return (char *)e + m->voff;
}

static inline int64_t stp_ment_num(const struct stp_map *m, struct stp_ment *e, int k)
{
	return *(int64_t *)((char *)e + m->koff[k]);
}

static inline const char *stp_ment_str(const struct stp_map *m, struct stp_ment *e, int k)
{
	return (char *)e + m->koff[k];
}

static void stp_map_free(struct stp_map *m)
{
	vfree(m->pool);
	vfree(m->heads);
	m->pool = NULL;
	m->heads = NULL;
}

static void stp_map_clear(struct stp_map *m)
{
	u32 i;

	memset(m->heads, 0, m->nbuckets * sizeof(u32));
	for (i = 0; i < m->max; i++) {
		struct stp_ment *e = stp_map_ent(m, i);

		e->used = 0;
		e->next = i + 1 < m->max ? i + 2 : 0;
	}
	m->free_head = m->max ? 1 : 0;
	m->count = 0;
}

/* keys: a string of 'l'/'s', one per key. */
static int stp_map_init(struct stp_map *m, const char *name, const char *keys, enum stp_vtype vtype,
			u32 max)
{
	u32 off = sizeof(struct stp_ment);
	unsigned int k;

	m->name = name;
	m->nkeys = strlen(keys);
	if (m->nkeys > STP_MAXKEYS)
		return -EINVAL;
	for (k = 0; k < m->nkeys; k++) {
		m->ktype[k] = keys[k] == 's' ? STP_K_STRING : STP_K_LONG;
		m->koff[k] = off;
		off += m->ktype[k] == STP_K_STRING ? MAXSTRINGLEN : sizeof(int64_t);
		off = ALIGN(off, 8);
	}
	m->vtype = vtype;
	m->voff = off;
	if (vtype == STP_V_LONG)
		off += sizeof(int64_t);
	else if (vtype == STP_V_STRING)
		off += MAXSTRINGLEN;
	else
		off += stp_stat_size(&m->hist);
	m->esize = ALIGN(off, 8);
	m->max = max ? max : MAXMAPENTRIES;
	m->nbuckets = roundup_pow_of_two(m->max);
	m->pool = vzalloc((size_t)m->max * m->esize);
	m->heads = vzalloc(m->nbuckets * sizeof(u32));
	if (!m->pool || !m->heads) {
		stp_map_free(m);
		return -ENOMEM;
	}
	stp_map_clear(m);
	return 0;
}

static u32 stp_map_hash(const struct stp_map *m, const union stp_key *key)
{
	u32 h = 0;
	unsigned int k;

	for (k = 0; k < m->nkeys; k++) {
		if (m->ktype[k] == STP_K_STRING)
			h = jhash(key[k].s, strnlen(key[k].s, MAXSTRINGLEN - 1), h);
		else
			h = jhash_2words((u32)key[k].n, (u32)((u64)key[k].n >> 32), h);
	}
	return h & (m->nbuckets - 1);
}

static bool stp_map_match_mask(const struct stp_map *m, struct stp_ment *e,
			       const union stp_key *key, u32 mask);

static bool stp_map_match(const struct stp_map *m, struct stp_ment *e, const union stp_key *key)
{
	return stp_map_match_mask(m, e, key, ~0u);
}

static struct stp_ment *stp_map_find(const struct stp_map *m, const union stp_key *key)
{
	u32 i = m->heads[stp_map_hash(m, key)];

	while (i) {
		struct stp_ment *e = stp_map_ent(m, i - 1);

		if (stp_map_match(m, e, key))
			return e;
		i = e->next;
	}
	return NULL;
}

/* The entry for key, created (zeroed value) if absent; NULL and a script
 * error when the map is full. */
static struct stp_ment *stp_map_slot(struct stp_context *c, struct stp_map *m,
				     const union stp_key *key, const char *loc)
{
	struct stp_ment *e;
	u32 h, i;
	unsigned int k;

	if (c->abort) /* an error earlier in this statement: change nothing */
		return NULL;
	e = stp_map_find(m, key);
	if (e)
		return e;
	if (!m->free_head) {
		stp_error(c, loc, "Array overflow, check MAXMAPENTRIES");
		return NULL;
	}
	i = m->free_head - 1;
	e = stp_map_ent(m, i);
	m->free_head = e->next;
	for (k = 0; k < m->nkeys; k++) {
		if (m->ktype[k] == STP_K_STRING)
			strscpy((char *)e + m->koff[k], key[k].s, MAXSTRINGLEN);
		else
			*(int64_t *)((char *)e + m->koff[k]) = key[k].n;
	}
	memset(stp_ment_val(m, e), 0, m->esize - m->voff);
	h = stp_map_hash(m, key);
	e->next = m->heads[h];
	e->used = 1;
	m->heads[h] = i + 1;
	m->count++;
	return e;
}

static void stp_map_delete(struct stp_map *m, const union stp_key *key)
{
	u32 h = stp_map_hash(m, key), *link = &m->heads[h];

	while (*link) {
		u32 i = *link - 1;
		struct stp_ment *e = stp_map_ent(m, i);

		if (stp_map_match(m, e, key)) {
			*link = e->next;
			e->used = 0;
			e->next = m->free_head;
			m->free_head = i + 1;
			m->count--;
			return;
		}
		link = &e->next;
	}
}

/* Slices (a[*, k]): key j must match when bit j of mask is set; the others
 * are '*'.  A slice visits the whole pool: at most m->max entries. */
static bool stp_map_match_mask(const struct stp_map *m, struct stp_ment *e,
			       const union stp_key *key, u32 mask)
{
	unsigned int k;

	for (k = 0; k < m->nkeys; k++) {
		if (!(mask & (1u << k)))
			continue;
		if (m->ktype[k] == STP_K_STRING) {
			if (strncmp(stp_ment_str(m, e, k), key[k].s, MAXSTRINGLEN - 1))
				return false;
		} else if (stp_ment_num(m, e, k) != key[k].n) {
			return false;
		}
	}
	return true;
}

static bool stp_map_slice_exists(const struct stp_map *m, const union stp_key *key, u32 mask)
{
	u32 i;

	for (i = 0; i < m->max; i++) {
		struct stp_ment *e = stp_map_ent(m, i);

		if (e->used && stp_map_match_mask(m, e, key, mask))
			return true;
	}
	return false;
}

static void stp_map_delete_slice(struct stp_map *m, const union stp_key *key, u32 mask)
{
	union stp_key full[STP_MAXKEYS];
	unsigned int k;
	u32 i;

	for (i = 0; i < m->max; i++) {
		struct stp_ment *e = stp_map_ent(m, i);

		if (!e->used || !stp_map_match_mask(m, e, key, mask))
			continue;
		for (k = 0; k < m->nkeys; k++) {
			if (m->ktype[k] == STP_K_STRING)
				full[k].s = stp_ment_str(m, e, k);
			else
				full[k].n = stp_ment_num(m, e, k);
		}
		stp_map_delete(m, full);
	}
}

static int64_t stp_map_get_n(const struct stp_map *m, const union stp_key *key)
{
	struct stp_ment *e = stp_map_find(m, key);

	return e ? *(int64_t *)stp_ment_val(m, e) : 0;
}

static const char *stp_map_get_s(const struct stp_map *m, const union stp_key *key)
{
	struct stp_ment *e = stp_map_find(m, key);

	return e ? (const char *)stp_ment_val(m, e) : "";
}

static struct stp_stat *stp_map_get_stat(const struct stp_map *m, const union stp_key *key)
{
	struct stp_ment *e = stp_map_find(m, key);

	return e ? (struct stp_stat *)stp_ment_val(m, e) : NULL;
}

static int64_t stp_map_set_n(struct stp_context *c, struct stp_map *m, const union stp_key *key,
			     int64_t v, const char *loc)
{
	struct stp_ment *e = stp_map_slot(c, m, key, loc);

	if (e)
		*(int64_t *)stp_ment_val(m, e) = v;
	return v;
}

/* a[k] += d; returns the new value. */
static int64_t stp_map_add_n(struct stp_context *c, struct stp_map *m, const union stp_key *key,
			     int64_t d, const char *loc)
{
	struct stp_ment *e = stp_map_slot(c, m, key, loc);
	int64_t *v;

	if (!e)
		return 0;
	v = stp_ment_val(m, e);
	*v = (int64_t)((u64)*v + (u64)d); /* wraps, like the script's + */
	return *v;
}

static const char *stp_map_set_s(struct stp_context *c, struct stp_map *m, const union stp_key *key,
				 const char *s, const char *loc)
{
	struct stp_ment *e = stp_map_slot(c, m, key, loc);

	if (!e)
		return s;
	return stp_strcpy(stp_ment_val(m, e), s);
}

static void stp_map_stat_add(struct stp_context *c, struct stp_map *m, const union stp_key *key,
			     int64_t v, const char *loc)
{
	struct stp_ment *e = stp_map_slot(c, m, key, loc);

	if (e)
		stp_stat_add(&m->hist, stp_ment_val(m, e), v);
}

struct stp_sort_spec {
	const struct stp_map *m;
	int column; /* -1 value (a stats value: @count), -2..-5 @sum @min @max @avg; k>0 key k */
	int dir;
};

/* The aggregate a foreach over a stats array sorts by (column -1..-5). */
static int64_t stp_stat_sortkey(const struct stp_stat *s, int column)
{
	switch (column) {
	case -2:
		return s->sum;
	case -3:
		return s->min;
	case -4:
		return s->max;
	case -5:
		return s->count ? div64_s64(s->sum, s->count) : 0;
	default:
		return s->count;
	}
}

static int stp_cmp_num(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int stp_map_cmp(const void *pa, const void *pb, const void *priv)
{
	const struct stp_sort_spec *sp = priv;
	const struct stp_map *m = sp->m;
	struct stp_ment *a = stp_map_ent(m, *(const u32 *)pa);
	struct stp_ment *b = stp_map_ent(m, *(const u32 *)pb);
	int r;

	if (sp->column > 0) {
		int k = sp->column - 1;

		if (m->ktype[k] == STP_K_STRING)
			r = strcmp(stp_ment_str(m, a, k), stp_ment_str(m, b, k));
		else
			r = stp_cmp_num(stp_ment_num(m, a, k), stp_ment_num(m, b, k));
	} else if (m->vtype == STP_V_STRING) {
		r = strcmp(stp_ment_val(m, a), stp_ment_val(m, b));
	} else if (m->vtype == STP_V_STAT) {
		r = stp_cmp_num(stp_stat_sortkey(stp_ment_val(m, a), sp->column),
				stp_stat_sortkey(stp_ment_val(m, b), sp->column));
	} else {
		r = stp_cmp_num(*(int64_t *)stp_ment_val(m, a), *(int64_t *)stp_ment_val(m, b));
	}
	return sp->dir < 0 ? -r : r;
}

/* The used entries of m, sorted when column != 0, in frame memory of the
 * running probe (so nested and concurrent foreach loops over one map each
 * have their own); *n gets their number.  NULL after a script error. */
static u32 *stp_map_order(struct stp_context *c, struct stp_map *m, int column, int dir, u32 *n,
			  const char *loc)
{
	struct stp_sort_spec sp = {m, column, dir};
	size_t size = ALIGN((size_t)m->count * sizeof(u32), 8);
	u32 i, k = 0, *o;

	*n = 0;
	if (c->abort)
		return NULL;
	if (size > STP_FRAME_BYTES - c->frame_used) {
		stp_error(c, loc, "out of memory for foreach (STP_FRAME_BYTES)");
		return NULL;
	}
	o = (u32 *)(c->frames + c->frame_used);
	c->frame_used += size;
	for (i = 0; i < m->max && k < m->count; i++)
		if (stp_map_ent(m, i)->used)
			o[k++] = i;
	if (column)
		sort_r(o, k, sizeof(u32), stp_map_cmp, NULL, &sp);
	*n = k;
	return o;
}
