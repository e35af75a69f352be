/*
 * vcd.c - a run as a VCD waveform (see vcd.h for what it shows).
 *
 * Variables live in one table in the order they were made (their VCD
 * identifiers follow that order); the header groups them by scope, in the
 * order each scope first appeared. Values are written only when they
 * change, each after the time it changed at.
 */
#include "vcd.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "events.h"
#include "outfile.h"
#include "port.h"
#include "version.h"

#define SCOPE_MAX 24u
#define NAME_MAX_CHARS 72u
#define TEXT_MAX 96u
#define ID_MAX 8u
#define COMMENT_MAX 512u

enum var_type { VAR_WIRE, VAR_STRING };

struct var {
	char scope[SCOPE_MAX];	/* "cpu0", "device/po", ... ("" the top) */
	char name[NAME_MAX_CHARS];
	enum var_type type;
	uint32_t width;		/* wires */
	char id[ID_MAX];
	bool has_value;
	bool z;			/* wires: high impedance (nobody drives it) */
	uint64_t value;
	char text[TEXT_MAX];	/* strings */
};

/* The variables sampled at every event, by what they show. */
struct cpu_vars {
	uint32_t context, state, irql;
};

struct engine_vars {
	uint32_t civ, lvi, piv, picb, sr, cr, run;
};

struct lock_var {
	uint32_t object;	/* the kernel object's id */
	uint32_t var;
	int32_t holder;		/* the CPU holding it at this sample, or -1 */
};

struct vcd {
	char path[1024];
	char comment[COMMENT_MAX];
	FILE *body;		/* value changes, before the header exists */
	struct machine *m;
	struct var *vars;
	uint32_t n_vars, cap_vars;
	struct cpu_vars cpu[MACHINE_CPUS_MAX];
	uint32_t n_cpus;
	uint32_t current_cpu, irq, port_state, failure, failed;
	struct engine_vars engine[AC97_ENGINE_COUNT];
	struct lock_var *locks;
	uint32_t n_locks, cap_locks;
	uint32_t *mapping_var;	/* by mapping index: var + 1, 0 none yet */
	uint32_t cap_mappings;
	sim_ticks_t now_tick;	/* the latest event's tick (never goes back) */
	bool time_written;
	uint64_t written_ns;	/* the last "#time" line */
	bool out_of_memory;
	bool attached;
};

/* ---- variables ------------------------------------------------------------------ */

/* The VCD identifier of variable n: printable ASCII '!'..'~' in base 94. */
static void id_of(uint32_t n, char *id)
{
	size_t at = 0;
	do {
		id[at++] = (char)('!' + n % 94u);
		n /= 94u;
	} while (n > 0 && at + 1 < ID_MAX);
	id[at] = '\0';
}

/* Copies text as one VCD token: letters, digits and '_' kept, each run of
 * anything else ("&s->lock", spaces) as one '_' between words, never
 * empty. */
static void token(char *dst, size_t len, const char *text)
{
	size_t at = 0;
	bool gap = false;
	for (const char *p = text ? text : ""; *p && at + 2 < len; p++) {
		char c = *p;
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_';
		if (!keep) {
			gap = at > 0;
			continue;
		}
		if (gap)
			dst[at++] = '_';
		gap = false;
		dst[at++] = c;
	}
	if (at == 0 && len > 1)
		dst[at++] = '_';
	dst[at] = '\0';
}

/* A string value: printable, no white space (VCD's tokens), kept short. */
static void string_value(char *dst, size_t len, const char *text)
{
	size_t at = 0;
	for (const char *p = text ? text : ""; *p && at + 1 < len; p++) {
		unsigned char c = (unsigned char)*p;
		dst[at++] = c > ' ' && c < 0x7F ? (char)c : '_';
	}
	if (at == 0 && len > 1)
		dst[at++] = '-';
	dst[at] = '\0';
}

/* A new variable; its index, or UINT32_MAX when out of host memory (the
 * commit then fails). */
static uint32_t add_var(struct vcd *v, const char *scope, const char *name, enum var_type type,
			uint32_t width)
{
	if (v->n_vars == v->cap_vars) {
		uint32_t cap = v->cap_vars ? 2 * v->cap_vars : 64;
		struct var *p = realloc(v->vars, cap * sizeof(*p));
		if (p == NULL) {
			v->out_of_memory = true;
			return UINT32_MAX;
		}
		v->vars = p;
		v->cap_vars = cap;
	}
	struct var *x = &v->vars[v->n_vars];
	memset(x, 0, sizeof(*x));
	snprintf(x->scope, sizeof(x->scope), "%s", scope);
	token(x->name, sizeof(x->name), name);
	x->type = type;
	x->width = width;
	id_of(v->n_vars, x->id);
	return v->n_vars++;
}

/* ---- value changes ----------------------------------------------------------------- */

/* Writes "#ns" before the first change at a new time. */
static void at_time(struct vcd *v)
{
	uint64_t ns = sim_ticks_to_ns_round(v->now_tick);
	if (v->time_written && ns == v->written_ns)
		return;
	assert(!v->time_written || ns > v->written_ns);
	fprintf(v->body, "#%" PRIu64 "\n", ns);
	v->time_written = true;
	v->written_ns = ns;
}

/* Sets a wire (z: nobody drives it); writes it when it changed. */
static void set_wire(struct vcd *v, uint32_t i, uint64_t value, bool z)
{
	if (i >= v->n_vars)
		return;
	struct var *x = &v->vars[i];
	assert(x->type == VAR_WIRE && x->width >= 1 && x->width <= 64);
	if (x->width < 64)
		value &= (UINT64_C(1) << x->width) - 1;
	if (x->has_value && x->z == z && (z || x->value == value))
		return;
	x->has_value = true;
	x->z = z;
	x->value = value;
	at_time(v);
	if (x->width == 1) {
		fprintf(v->body, "%c%s\n", z ? 'z' : (value ? '1' : '0'), x->id);
		return;
	}
	if (z) {
		fprintf(v->body, "bz %s\n", x->id);
		return;
	}
	char bits[65];
	int top = 63;
	while (top > 0 && !((value >> top) & 1u))
		top--;
	int at = 0;
	for (int b = top; b >= 0; b--)
		bits[at++] = (char)('0' + ((value >> b) & 1u));
	bits[at] = '\0';
	fprintf(v->body, "b%s %s\n", bits, x->id);
}

static void set_string(struct vcd *v, uint32_t i, const char *text)
{
	if (i >= v->n_vars)
		return;
	struct var *x = &v->vars[i];
	assert(x->type == VAR_STRING);
	char value[TEXT_MAX];
	string_value(value, sizeof(value), text);
	if (x->has_value && strcmp(x->text, value) == 0)
		return;
	x->has_value = true;
	memcpy(x->text, value, sizeof(value));
	at_time(v);
	fprintf(v->body, "s%s %s\n", value, x->id);
}

/* ---- what the run shows --------------------------------------------------------------- */

/* The lock's variable, made when first seen (by its initialisation, or held). */
static uint32_t lock_var(struct vcd *v, uint32_t object, const char *name)
{
	for (uint32_t i = 0; i < v->n_locks; i++)
		if (v->locks[i].object == object)
			return v->locks[i].var;
	if (v->n_locks == v->cap_locks) {
		uint32_t cap = v->cap_locks ? 2 * v->cap_locks : 16;
		struct lock_var *p = realloc(v->locks, cap * sizeof(*p));
		if (p == NULL) {
			v->out_of_memory = true;
			return UINT32_MAX;
		}
		v->locks = p;
		v->cap_locks = cap;
	}
	char label[NAME_MAX_CHARS];
	if (name == NULL)
		name = machine_object_name(v->m, object);
	char tok[NAME_MAX_CHARS - 12];
	token(tok, sizeof(tok), name != NULL ? name : "lock");
	snprintf(label, sizeof(label), "%s_%" PRIu32, tok, object);
	uint32_t var = add_var(v, "locks", label, VAR_WIRE, 4);
	if (var == UINT32_MAX)
		return var;
	v->locks[v->n_locks++] = (struct lock_var){ object, var, -1 };
	return var;
}

static uint32_t mapping_var(struct vcd *v, uint32_t index, uint32_t irp)
{
	if (index >= v->cap_mappings) {
		uint32_t cap = v->cap_mappings ? v->cap_mappings : 64;
		while (cap <= index)
			cap *= 2;
		uint32_t *p = realloc(v->mapping_var, cap * sizeof(*p));
		if (p == NULL) {
			v->out_of_memory = true;
			return UINT32_MAX;
		}
		memset(p + v->cap_mappings, 0, (cap - v->cap_mappings) * sizeof(*p));
		v->mapping_var = p;
		v->cap_mappings = cap;
	}
	if (v->mapping_var[index] == 0) {
		char name[NAME_MAX_CHARS];
		snprintf(name, sizeof(name), "m%03" PRIu32 "_irp%" PRIu32, index, irp);
		uint32_t var = add_var(v, "port", name, VAR_STRING, 1);
		if (var == UINT32_MAX)
			return var;
		v->mapping_var[index] = var + 1;
	}
	return v->mapping_var[index] - 1;
}

static const char *block_name(enum machine_cpu_block b)
{
	switch (b) {
	case MACHINE_CPU_RUNNING: return "running";
	case MACHINE_CPU_IDLE: return "idle";
	case MACHINE_CPU_SPINNING: return "spinning";
	case MACHINE_CPU_WAITING: return "waiting";
	case MACHINE_CPU_FLUSHING: return "flushing";
	}
	return "?";
}

/* Each CPU's variables, and the holder of each lock it holds. */
static void sample_cpus(struct vcd *v)
{
	for (uint32_t i = 0; i < v->n_cpus; i++) {
		struct machine_cpu_view view;
		machine_cpu_view(v->m, i, &view);
		char text[TEXT_MAX];
		switch (view.context) {
		case MACHINE_CTX_IDLE: snprintf(text, sizeof(text), "idle"); break;
		case MACHINE_CTX_TASK: snprintf(text, sizeof(text), "%s", view.name); break;
		case MACHINE_CTX_DPC:
			if (view.name != NULL)
				snprintf(text, sizeof(text), "DPC:%s", view.name);
			else
				snprintf(text, sizeof(text), "DPC:#%" PRIu32, view.object);
			break;
		case MACHINE_CTX_ISR:
			if (view.name != NULL)
				snprintf(text, sizeof(text), "ISR:%s", view.name);
			else
				snprintf(text, sizeof(text), "ISR:#%" PRIu32, view.object);
			break;
		}
		set_string(v, v->cpu[i].context, text);
		if (view.block == MACHINE_CPU_SPINNING) {
			char lock[NAME_MAX_CHARS];
			uint32_t lv = lock_var(v, view.spin_on, NULL);
			snprintf(lock, sizeof(lock), "%s", lv < v->n_vars ? v->vars[lv].name : "?");
			snprintf(text, sizeof(text), "spinning:%s", lock);
		} else {
			snprintf(text, sizeof(text), "%s", block_name(view.block));
		}
		set_string(v, v->cpu[i].state, text);
		set_wire(v, v->cpu[i].irql, view.irql, false);
		for (uint32_t h = 0; h < view.n_held; h++) {
			lock_var(v, view.held[h], NULL);
			for (uint32_t k = 0; k < v->n_locks; k++)
				if (v->locks[k].object == view.held[h])
					v->locks[k].holder = (int32_t)i;
		}
	}
}

static void sample_device(struct vcd *v)
{
	const struct ac97 *dev = machine_device(v->m);
	set_wire(v, v->irq, ac97_irq_line(dev), false);
	for (uint32_t e = 0; e < AC97_ENGINE_COUNT; e++) {
		const struct bm_engine *eng = &dev->engine[e];
		const struct engine_vars *ev = &v->engine[e];
		set_wire(v, ev->civ, eng->civ, false);
		set_wire(v, ev->lvi, eng->lvi, false);
		set_wire(v, ev->piv, eng->piv, false);
		set_wire(v, ev->picb, bm_engine_picb(eng), false);
		set_wire(v, ev->sr, bm_engine_sr(eng), false);
		set_wire(v, ev->cr, eng->cr, false);
		set_wire(v, ev->run, eng->dma_active, false);
	}
}

/* Everything sampled, as the event left it. */
static void sample(struct vcd *v)
{
	int cur = machine_current_cpu(v->m);
	set_wire(v, v->current_cpu, cur >= 0 ? (uint64_t)cur : 0, cur < 0);
	for (uint32_t k = 0; k < v->n_locks; k++)
		v->locks[k].holder = -1;
	sample_cpus(v);
	for (uint32_t k = 0; k < v->n_locks; k++) {
		int32_t h = v->locks[k].holder;
		set_wire(v, v->locks[k].var, h >= 0 ? (uint64_t)h : 0, h < 0);
	}
	sample_device(v);
}

static void on_event(void *ctx, const struct sim_event *ev)
{
	struct vcd *v = ctx;
	if (ev->tick > v->now_tick)
		v->now_tick = ev->tick;
	switch ((enum sim_event_kind)ev->kind) {
	case EV_OBJECT:
		if (ev->u.object.type == KOBJ_SPIN_LOCK || ev->u.object.type == KOBJ_INTERRUPT)
			lock_var(v, ev->u.object.id, ev->text);
		break;
	case EV_PORT: {
		const struct port_event *p = &ev->u.port;
		if (p->kind == PORT_EV_MAPPING) {
			char text[TEXT_MAX];
			const char *state = port_mapping_state_name((enum port_mapping_state)p->result);
			if (p->result == MAPPING_PENDING || p->result == MAPPING_DROPPED)
				snprintf(text, sizeof(text), "%s", state);
			else
				snprintf(text, sizeof(text), "%s:0x%" PRIx64, state, p->tag);
			set_string(v, mapping_var(v, p->index, p->irp), text);
		} else if (p->kind == PORT_EV_STATE && p->result == 0) {
			set_string(v, v->port_state, ksstate_name((KSSTATE)p->b));
		}
		break;
	}
	case EV_FAILURE:
		set_string(v, v->failure, ev->text != NULL ? ev->text : "failure");
		set_wire(v, v->failed, 1, false);
		break;
	default:
		break;
	}
	sample(v);
}

/* ---- the run ---------------------------------------------------------------------------- */

/* Every kind but the bulk ones (DMA ranges, audio spans): what changes a
 * register, a CPU or a lock comes with one of these. */
#define VCD_EVENTS                                                                          \
	(~(EV_BIT(EV_DMA) | EV_BIT(EV_SPAN)) & ((UINT64_C(1) << EV_KIND_COUNT) - 1))

static int attach(void *ctx, struct machine *m, const char **why)
{
	struct vcd *v = ctx;
	if (v->attached) {
		*why = "vcd: one run per writer";
		return -1;
	}
	v->attached = true;
	v->m = m;
	v->failure = add_var(v, "", "failure", VAR_STRING, 1);
	v->failed = add_var(v, "", "failed", VAR_WIRE, 1);
	v->n_cpus = machine_cpu_count(m);
	for (uint32_t i = 0; i < v->n_cpus; i++) {
		char scope[SCOPE_MAX];
		snprintf(scope, sizeof(scope), "cpu%" PRIu32, i);
		v->cpu[i].context = add_var(v, scope, "context", VAR_STRING, 1);
		v->cpu[i].state = add_var(v, scope, "state", VAR_STRING, 1);
		v->cpu[i].irql = add_var(v, scope, "irql", VAR_WIRE, 8);
	}
	v->current_cpu = add_var(v, "machine", "cpu", VAR_WIRE, 4);
	v->irq = add_var(v, "device", "irq", VAR_WIRE, 1);
	static const char *const engines[AC97_ENGINE_COUNT] = { "pi", "po", "mc" };
	for (uint32_t e = 0; e < AC97_ENGINE_COUNT; e++) {
		char scope[SCOPE_MAX];
		snprintf(scope, sizeof(scope), "device/%s", engines[e]);
		struct engine_vars *x = &v->engine[e];
		x->civ = add_var(v, scope, "civ", VAR_WIRE, 5);
		x->lvi = add_var(v, scope, "lvi", VAR_WIRE, 5);
		x->piv = add_var(v, scope, "piv", VAR_WIRE, 5);
		x->picb = add_var(v, scope, "picb", VAR_WIRE, 16);
		x->sr = add_var(v, scope, "sr", VAR_WIRE, 16);
		x->cr = add_var(v, scope, "cr", VAR_WIRE, 8);
		x->run = add_var(v, scope, "run", VAR_WIRE, 1);
	}
	v->port_state = add_var(v, "port", "state", VAR_STRING, 1);
	if (v->out_of_memory) {
		*why = "vcd: out of host memory";
		return -1;
	}
	/* The state before anything happened, at time 0. */
	set_wire(v, v->failed, 0, false);
	set_string(v, v->failure, "-");
	set_string(v, v->port_state, ksstate_name(KSSTATE_STOP));
	sample(v);
	if (bus_subscribe(machine_bus(m), BUS_RECORD, VCD_EVENTS, on_event, v) != 0) {
		*why = "vcd: too many subscribers on the run's event stream";
		return -1;
	}
	return 0;
}

struct scenario_observer vcd_observer(struct vcd *v)
{
	return (struct scenario_observer){ attach, v };
}

struct vcd *vcd_create(const char *path, const char *comment, char *err, size_t err_len)
{
	struct vcd *v = calloc(1, sizeof(*v));
	if (v == NULL) {
		snprintf(err, err_len, "%s: out of host memory", path);
		return NULL;
	}
	if (strlen(path) >= sizeof(v->path)) {
		snprintf(err, err_len, "%s: path too long", path);
		free(v);
		return NULL;
	}
	snprintf(v->path, sizeof(v->path), "%s", path);
	snprintf(v->comment, sizeof(v->comment), "%s", comment != NULL ? comment : "");
	for (char *p = v->comment; *p; p++)
		if (*p == '\n' || *p == '$')
			*p = ' ';	/* one line, and no "$end" inside it */
	v->body = tmpfile();
	if (v->body == NULL) {
		snprintf(err, err_len, "%s: no temporary file for the waveform: %s", path,
			 strerror(errno));
		free(v);
		return NULL;
	}
	return v;
}

/* The scope path's i-th part ("device/po", 1 -> "po"); false past the last. */
static bool scope_part(const char *scope, unsigned i, char *out, size_t len)
{
	const char *p = scope;
	for (unsigned k = 0; k < i; k++) {
		p = strchr(p, '/');
		if (p == NULL)
			return false;
		p++;
	}
	if (*p == '\0')
		return false;
	size_t n = strcspn(p, "/");
	snprintf(out, len, "%.*s", (int)n, p);
	return true;
}

static unsigned scope_depth(const char *scope)
{
	if (scope[0] == '\0')
		return 0;
	unsigned d = 1;
	for (const char *p = scope; *p; p++)
		d += *p == '/';
	return d;
}

/* How many leading parts two scope paths share. */
static unsigned scope_common(const char *a, const char *b)
{
	unsigned n = 0;
	char x[SCOPE_MAX], y[SCOPE_MAX];
	while (scope_part(a, n, x, sizeof(x)) && scope_part(b, n, y, sizeof(y)) && strcmp(x, y) == 0)
		n++;
	return n;
}

/* The header: every variable, grouped by scope in the order the scopes
 * first appeared (the top's own variables first). Returns -1 when out of
 * host memory. */
static int write_header(const struct vcd *v, FILE *f)
{
	bool *done = calloc(v->n_vars ? v->n_vars : 1, sizeof(*done));
	if (done == NULL)
		return -1;
	fprintf(f, "$version\n\tac97sim %s (build %s)\n$end\n", ac97sim_version(),
		ac97sim_build_id());
	fprintf(f, "$comment\n\t%s\n\ttimes: AC-link BIT_CLK ticks (12.288 MHz) in ns, rounded to "
		   "the nearest (tick = round(ns * 0.012288))\n$end\n",
		v->comment);
	fprintf(f, "$timescale 1ns $end\n$scope module ac97sim $end\n");
	char open[SCOPE_MAX] = "";
	for (uint32_t first = 0; first < v->n_vars; first++) {
		if (done[first])
			continue;
		/* Close what this scope does not share with the open one, open
		 * the rest, then declare every variable of the scope. */
		const char *scope = v->vars[first].scope;
		unsigned common = scope_common(open, scope);
		for (unsigned d = scope_depth(open); d > common; d--)
			fprintf(f, "$upscope $end\n");
		char part[SCOPE_MAX];
		for (unsigned d = common; scope_part(scope, d, part, sizeof(part)); d++)
			fprintf(f, "$scope module %s $end\n", part);
		snprintf(open, sizeof(open), "%s", scope);
		for (uint32_t i = first; i < v->n_vars; i++) {
			const struct var *x = &v->vars[i];
			if (done[i] || strcmp(x->scope, scope) != 0)
				continue;
			done[i] = true;
			if (x->type == VAR_STRING)
				fprintf(f, "$var string 1 %s %s $end\n", x->id, x->name);
			else
				fprintf(f, "$var wire %" PRIu32 " %s %s $end\n", x->width, x->id, x->name);
		}
	}
	for (unsigned d = scope_depth(open); d > 0; d--)
		fprintf(f, "$upscope $end\n");
	fprintf(f, "$upscope $end\n$enddefinitions $end\n");
	free(done);
	return 0;
}

int vcd_commit(struct vcd *v, sim_ticks_t end_tick, char *err, size_t err_len)
{
	if (end_tick > v->now_tick) {
		v->now_tick = end_tick;
		at_time(v);
	}
	if (v->out_of_memory || ferror(v->body) || fflush(v->body) != 0) {
		snprintf(err, err_len, "%s: %s", v->path,
			 v->out_of_memory ? "out of host memory" : "cannot write the temporary file");
		return -1;
	}
	struct outfile *o = outfile_open(v->path, err, err_len);
	if (o == NULL)
		return -1;
	FILE *f = outfile_stream(o);
	if (f == NULL) {
		outfile_set_error(o, strerror(errno != 0 ? errno : EIO));
		return outfile_commit(o, err, err_len);
	}
	if (write_header(v, f) != 0) {
		outfile_set_error(o, "out of host memory");
		return outfile_commit(o, err, err_len);
	}
	rewind(v->body);
	char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), v->body)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	if (ferror(v->body))
		outfile_set_error(o, "cannot read the temporary file back");
	else if (ferror(f))
		outfile_set_error(o, strerror(errno != 0 ? errno : EIO));
	return outfile_commit(o, err, err_len);
}

void vcd_free(struct vcd *v)
{
	if (v == NULL)
		return;
	if (v->body != NULL)
		fclose(v->body);
	free(v->vars);
	free(v->locks);
	free(v->mapping_var);
	free(v);
}
