/*
 * vcd_read.c - see vcd_read.h.
 */
#include "vcd_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCOPES_MAX 16u
#define TOKEN_MAX 4096u

struct reader {
	FILE *in;
	unsigned line;
	int pending;		/* a character read ahead, or EOF */
	bool have_pending;
};

static int next_char(struct reader *r)
{
	if (r->have_pending) {
		r->have_pending = false;
		return r->pending;
	}
	int c = fgetc(r->in);
	if (c == '\n')
		r->line++;
	return c;
}

/* The next whitespace-separated token; false at the end of the file. */
static bool next_token(struct reader *r, char *tok, size_t len)
{
	int c;
	do
		c = next_char(r);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	if (c == EOF)
		return false;
	size_t at = 0;
	while (c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
		if (at + 1 < len)
			tok[at++] = (char)c;
		c = next_char(r);
	}
	tok[at] = '\0';
	return true;
}

/* Skips tokens up to and including "$end"; false when the file ends. */
static bool skip_to_end(struct reader *r)
{
	char tok[TOKEN_MAX];
	while (next_token(r, tok, sizeof(tok)))
		if (strcmp(tok, "$end") == 0)
			return true;
	return false;
}

/* Copies a token into a field; false when it does not fit (the file is
 * refused then: nothing is cut short silently). */
static bool copy_token(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	if (n >= len)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

static struct vcd_var *by_id(struct vcd_file *f, const char *id)
{
	for (size_t i = 0; i < f->n_vars; i++)
		if (strcmp(f->vars[i].id, id) == 0)
			return &f->vars[i];
	return NULL;
}

/* A wire's value written out to its width. */
static bool wire_value(const struct vcd_var *v, const char *bits, char *out, size_t len)
{
	size_t n = strlen(bits);
	if (n == 0 || n > v->width || v->width + 1 > len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("01xXzZ", bits[i]) == NULL)
			return false;
	char fill = bits[0] == '1' ? '0' : (char)(bits[0] | 0x20);	/* x, z lower case */
	size_t pad = v->width - n;
	for (size_t i = 0; i < pad; i++)
		out[i] = fill;
	for (size_t i = 0; i < n; i++)
		out[pad + i] = (char)(bits[i] == '0' || bits[i] == '1' ? bits[i] : bits[i] | 0x20);
	out[v->width] = '\0';
	return true;
}

static int add_change(struct vcd_var *v, uint64_t time, const char *value)
{
	/* Several changes at one time: the last one counts. */
	if (v->n_changes > 0 && v->changes[v->n_changes - 1].time == time) {
		struct vcd_change *c = &v->changes[--v->n_changes];
		free(c->value);
	}
	if (v->n_changes > 0 && strcmp(v->changes[v->n_changes - 1].value, value) == 0)
		return 0;	/* no change */
	if (v->n_changes == v->cap_changes) {
		size_t cap = v->cap_changes ? 2 * v->cap_changes : 16;
		struct vcd_change *p = realloc(v->changes, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		v->changes = p;
		v->cap_changes = cap;
	}
	char *copy = strdup(value);
	if (copy == NULL)
		return -1;
	v->changes[v->n_changes++] = (struct vcd_change){ time, copy };
	return 0;
}

static int read_var(struct reader *r, struct vcd_file *f, char scopes[][64], unsigned depth,
		    char *err, size_t err_len)
{
	char type[TOKEN_MAX], width[TOKEN_MAX], id[TOKEN_MAX], name[TOKEN_MAX];
	if (!next_token(r, type, sizeof(type)) || !next_token(r, width, sizeof(width)) ||
	    !next_token(r, id, sizeof(id)) || !next_token(r, name, sizeof(name))) {
		snprintf(err, err_len, "%u: $var cut short", r->line);
		return -1;
	}
	char tail[TOKEN_MAX];
	/* A bit range may follow the name ("data [7:0]"). */
	while (next_token(r, tail, sizeof(tail)) && strcmp(tail, "$end") != 0)
		;
	char *end;
	unsigned long w = strtoul(width, &end, 10);
	if (*end != '\0' || w > 64 || (w == 0 && strcmp(type, "string") != 0)) {
		snprintf(err, err_len, "%u: $var %s has width '%s'", r->line, name, width);
		return -1;
	}
	if (by_id(f, id) != NULL) {
		snprintf(err, err_len, "%u: identifier '%s' declared twice", r->line, id);
		return -1;
	}
	struct vcd_var *p = realloc(f->vars, (f->n_vars + 1) * sizeof(*p));
	if (p == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	f->vars = p;
	struct vcd_var *v = &f->vars[f->n_vars++];
	memset(v, 0, sizeof(*v));
	char full[sizeof(v->name)] = "";
	size_t at = 0;
	bool fits = true;
	for (unsigned i = 0; i <= depth && fits; i++) {
		const char *part = i < depth ? scopes[i] : name;
		size_t n = strlen(part);
		fits = at + n + 1 < sizeof(full);
		if (fits) {
			memcpy(full + at, part, n);
			at += n;
			full[at++] = i < depth ? '.' : '\0';
		}
	}
	if (!fits || !copy_token(v->name, sizeof(v->name), full) ||
	    !copy_token(v->id, sizeof(v->id), id) || !copy_token(v->type, sizeof(v->type), type)) {
		f->n_vars--;
		snprintf(err, err_len, "%u: $var with a name, identifier or type too long", r->line);
		return -1;
	}
	v->width = (uint32_t)w;
	return 0;
}

/* A value change token (and, for vectors, its identifier token). */
static int read_change(struct reader *r, struct vcd_file *f, const char *tok, uint64_t time,
		       char *err, size_t err_len)
{
	char id[TOKEN_MAX], value[TOKEN_MAX];
	const char *text;
	char kind = tok[0];
	if (kind == 'b' || kind == 'B' || kind == 'r' || kind == 'R' || kind == 's' || kind == 'S') {
		if (!next_token(r, id, sizeof(id))) {
			snprintf(err, err_len, "%u: value '%s' without an identifier", r->line, tok);
			return -1;
		}
		text = tok + 1;
	} else if (strchr("01xXzZ", kind) != NULL && tok[1] != '\0') {
		snprintf(id, sizeof(id), "%s", tok + 1);
		value[0] = kind;
		value[1] = '\0';
		text = value;
	} else {
		snprintf(err, err_len, "%u: '%s' is not a value change", r->line, tok);
		return -1;
	}
	struct vcd_var *v = by_id(f, id);
	if (v == NULL) {
		snprintf(err, err_len, "%u: identifier '%s' was not declared", r->line, id);
		return -1;
	}
	char norm[512];
	if (kind == 's' || kind == 'S' || kind == 'r' || kind == 'R') {
		if (strcmp(v->type, kind == 's' || kind == 'S' ? "string" : "real") != 0) {
			snprintf(err, err_len, "%u: a %c value for %s, a %s", r->line, kind, v->name,
				 v->type);
			return -1;
		}
		if (strlen(text) >= sizeof(norm)) {
			snprintf(err, err_len, "%u: a value for %s longer than %zu bytes", r->line,
				 v->name, sizeof(norm) - 1);
			return -1;
		}
		snprintf(norm, sizeof(norm), "%.511s", text);
	} else if (strcmp(v->type, "string") == 0 || strcmp(v->type, "real") == 0 ||
		   !wire_value(v, text, norm, sizeof(norm))) {
		snprintf(err, err_len, "%u: '%s' is not a value for %s (%s %u)", r->line, text, v->name,
			 v->type, v->width);
		return -1;
	}
	if (add_change(v, time, norm) != 0) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	return 0;
}

int vcd_read(const char *path, struct vcd_file *f, char *err, size_t err_len)
{
	memset(f, 0, sizeof(*f));
	struct reader r = { .line = 1 };
	r.in = fopen(path, "r");
	if (r.in == NULL) {
		snprintf(err, err_len, "cannot open %s", path);
		return -1;
	}
	char tok[TOKEN_MAX];
	char scopes[SCOPES_MAX][64];
	unsigned depth = 0;
	bool defined = false, timed = false;
	uint64_t time = 0;
	int rc = 0;
	while (rc == 0 && next_token(&r, tok, sizeof(tok))) {
		if (!defined) {
			if (strcmp(tok, "$scope") == 0) {
				char kind[TOKEN_MAX], name[TOKEN_MAX];
				if (depth == SCOPES_MAX || !next_token(&r, kind, sizeof(kind)) ||
				    !next_token(&r, name, sizeof(name)) || !skip_to_end(&r)) {
					snprintf(err, err_len, "%u: bad $scope", r.line);
					rc = -1;
				} else if (!copy_token(scopes[depth++], sizeof(scopes[0]), name)) {
					snprintf(err, err_len, "%u: scope name too long", r.line);
					rc = -1;
				}
			} else if (strcmp(tok, "$upscope") == 0) {
				if (depth == 0 || !skip_to_end(&r)) {
					snprintf(err, err_len, "%u: $upscope outside a scope", r.line);
					rc = -1;
				} else {
					depth--;
				}
			} else if (strcmp(tok, "$var") == 0) {
				rc = read_var(&r, f, scopes, depth, err, err_len);
			} else if (strcmp(tok, "$timescale") == 0) {
				char a[TOKEN_MAX], b[TOKEN_MAX];
				if (!next_token(&r, a, sizeof(a))) {
					rc = -1;
				} else if (strcmp(a, "$end") != 0) {
					/* "1ns" or "1 ns": kept without the blank. */
					if (!copy_token(f->timescale, sizeof(f->timescale), a))
						rc = -1;
					if (rc == 0 && next_token(&r, b, sizeof(b)) && strcmp(b, "$end") != 0) {
						size_t n = strlen(f->timescale);
						if (!copy_token(f->timescale + n, sizeof(f->timescale) - n, b) ||
						    !skip_to_end(&r))
							rc = -1;
					}
				}
				if (rc != 0)
					snprintf(err, err_len, "%u: bad $timescale", r.line);
			} else if (strcmp(tok, "$enddefinitions") == 0) {
				if (depth != 0 || !skip_to_end(&r)) {
					snprintf(err, err_len, "%u: $enddefinitions inside a scope", r.line);
					rc = -1;
				}
				defined = true;
			} else if (tok[0] == '$') {
				if (!skip_to_end(&r)) {
					snprintf(err, err_len, "%u: %s without $end", r.line, tok);
					rc = -1;
				}
			} else {
				snprintf(err, err_len, "%u: '%s' in the header", r.line, tok);
				rc = -1;
			}
			continue;
		}
		if (tok[0] == '#') {
			char *end;
			uint64_t t = strtoull(tok + 1, &end, 10);
			if (tok[1] == '\0' || *end != '\0' || (timed && t < time)) {
				snprintf(err, err_len, "%u: time '%s' %s", r.line, tok,
					 timed && t < time ? "goes back" : "is not a number");
				rc = -1;
			}
			time = t;
			timed = true;
			f->last_time = t;
		} else if (strcmp(tok, "$dumpvars") == 0 || strcmp(tok, "$end") == 0 ||
			   strcmp(tok, "$dumpall") == 0 || strcmp(tok, "$dumpon") == 0 ||
			   strcmp(tok, "$dumpoff") == 0) {
			continue;
		} else if (strcmp(tok, "$comment") == 0) {
			if (!skip_to_end(&r)) {
				snprintf(err, err_len, "%u: $comment without $end", r.line);
				rc = -1;
			}
		} else if (!timed) {
			snprintf(err, err_len, "%u: a value before any time", r.line);
			rc = -1;
		} else {
			rc = read_change(&r, f, tok, time, err, err_len);
		}
	}
	if (rc == 0 && !defined) {
		snprintf(err, err_len, "%u: no $enddefinitions", r.line);
		rc = -1;
	}
	fclose(r.in);
	if (rc != 0)
		vcd_file_free(f);
	return rc;
}

void vcd_file_free(struct vcd_file *f)
{
	for (size_t i = 0; i < f->n_vars; i++) {
		for (size_t k = 0; k < f->vars[i].n_changes; k++)
			free(f->vars[i].changes[k].value);
		free(f->vars[i].changes);
	}
	free(f->vars);
	memset(f, 0, sizeof(*f));
}

const struct vcd_var *vcd_find(const struct vcd_file *f, const char *name)
{
	for (size_t i = 0; i < f->n_vars; i++)
		if (strcmp(f->vars[i].name, name) == 0)
			return &f->vars[i];
	return NULL;
}

const char *vcd_value_at(const struct vcd_var *v, uint64_t time)
{
	const char *value = NULL;
	for (size_t i = 0; i < v->n_changes && v->changes[i].time <= time; i++)
		value = v->changes[i].value;
	return value;
}

bool vcd_same(const struct vcd_file *a, const struct vcd_file *b, char *why, size_t why_len)
{
	if (a->n_vars != b->n_vars) {
		snprintf(why, why_len, "%zu variables against %zu", a->n_vars, b->n_vars);
		return false;
	}
	for (size_t i = 0; i < a->n_vars; i++) {
		const struct vcd_var *x = &a->vars[i], *y = vcd_find(b, x->name);
		if (y == NULL) {
			snprintf(why, why_len, "%s is missing", x->name);
			return false;
		}
		bool is_string = strcmp(x->type, "string") == 0;
		if (strcmp(x->type, y->type) != 0 || (!is_string && x->width != y->width)) {
			snprintf(why, why_len, "%s: %s %u against %s %u", x->name, x->type, x->width,
				 y->type, y->width);
			return false;
		}
		size_t n = x->n_changes < y->n_changes ? x->n_changes : y->n_changes;
		for (size_t k = 0; k < n; k++) {
			const struct vcd_change *p = &x->changes[k], *q = &y->changes[k];
			if (p->time != q->time || strcmp(p->value, q->value) != 0) {
				snprintf(why, why_len, "%s: change %zu is %s at %llu against %s at %llu",
					 x->name, k, p->value, (unsigned long long)p->time, q->value,
					 (unsigned long long)q->time);
				return false;
			}
		}
		if (x->n_changes != y->n_changes) {
			snprintf(why, why_len, "%s: %zu changes against %zu", x->name, x->n_changes,
				 y->n_changes);
			return false;
		}
	}
	return true;
}
