/* Path hashing: an open-addressing index (linear probing) and a Bloom filter. */
#include "pathindex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* FNV-1a from seed, then a 64-bit finaliser (splitmix64's) so that every bit counts. */
uint64_t kmend_path_hash(const char *path, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static uint64_t index_seed;

__attribute__((constructor)) static void index_seed_init(void)
{
	/* Without randomness the index still works; only its resistance to crafted names drops. */
	if (getrandom(&index_seed, sizeof(index_seed), GRND_NONBLOCK) != sizeof(index_seed))
		index_seed = (uint64_t)(uintptr_t)&index_seed;
}

static size_t find_slot(const struct kmend_pathindex *ix, const char *path)
{
	size_t i = (size_t)kmend_path_hash(path, index_seed) & ix->mask;

	while (ix->slots[i].key && strcmp(ix->slots[i].key, path) != 0)
		i = (i + 1) & ix->mask;
	return i;
}

static int grow(struct kmend_pathindex *ix)
{
	size_t n = ix->mask ? (ix->mask + 1) * 2 : 64;
	struct kmend_pathindex old = *ix;

	if (!(ix->slots = calloc(n, sizeof(*ix->slots)))) {
		*ix = old;
		return -ENOMEM;
	}
	ix->mask = n - 1;
	for (size_t i = 0; old.slots && i <= old.mask; i++)
		if (old.slots[i].key)
			ix->slots[find_slot(ix, old.slots[i].key)] = old.slots[i];
	free(old.slots);
	return 0;
}

int kmend_pathindex_put(struct kmend_pathindex *ix, const char *path, size_t value)
{
	size_t i;

	/* At most half full: probe runs stay short. */
	if ((!ix->slots || (ix->count + 1) * 2 > ix->mask + 1) && grow(ix) < 0)
		return -ENOMEM;
	i = find_slot(ix, path);
	if (!ix->slots[i].key)
		ix->count++;
	ix->slots[i].key = path;
	ix->slots[i].value = value;
	return 0;
}

bool kmend_pathindex_get(const struct kmend_pathindex *ix, const char *path, size_t *value)
{
	size_t i;

	if (!ix->slots)
		return false;
	i = find_slot(ix, path);
	if (!ix->slots[i].key)
		return false;
	*value = ix->slots[i].value;
	return true;
}

void kmend_pathindex_remove(struct kmend_pathindex *ix, const char *path)
{
	size_t i, j;

	if (!ix->slots || !ix->slots[i = find_slot(ix, path)].key)
		return;
	ix->slots[i].key = NULL;
	ix->count--;
	/* Move back every later entry of the run that the hole would cut off from its home. */
	for (j = (i + 1) & ix->mask; ix->slots[j].key; j = (j + 1) & ix->mask) {
		size_t home = (size_t)kmend_path_hash(ix->slots[j].key, index_seed) & ix->mask;
		if (((j - home) & ix->mask) >= ((j - i) & ix->mask)) {
			ix->slots[i] = ix->slots[j];
			ix->slots[j].key = NULL;
			i = j;
		}
	}
}

void kmend_pathindex_free(struct kmend_pathindex *ix)
{
	if (!ix)
		return;
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

/* Seven bit positions from two hashes (Kirsch and Mitzenmacher's double hashing). */
#define FILTER_HASHES 7
#define FILTER_BITS   (KMEND_PATHFILTER_BYTES * 8)

static void filter_positions(const char *path, enum kmend_path_kind kind,
                             uint32_t pos[FILTER_HASHES])
{
	uint64_t h1 = kmend_path_hash(path, (uint64_t)kind),
	         h2 = kmend_path_hash(path, 0x6b6d656e64ULL) | 1;

	for (int i = 0; i < FILTER_HASHES; i++)
		pos[i] = (uint32_t)((h1 + (uint64_t)i * h2) % FILTER_BITS);
}

void kmend_pathfilter_add(struct kmend_pathfilter *f, const char *path, enum kmend_path_kind kind)
{
	uint32_t pos[FILTER_HASHES];

	filter_positions(path, kind, pos);
	for (int i = 0; i < FILTER_HASHES; i++)
		f->bits[pos[i] / 8] |= (uint8_t)(1u << (pos[i] % 8));
}

bool kmend_pathfilter_may_hold(const struct kmend_pathfilter *f, const char *path,
                               enum kmend_path_kind kind)
{
	uint32_t pos[FILTER_HASHES];

	filter_positions(path, kind, pos);
	for (int i = 0; i < FILTER_HASHES; i++)
		if (!(f->bits[pos[i] / 8] & (1u << (pos[i] % 8))))
			return false;
	return true;
}
