/*
 * evlog.c - see evlog.h.
 */
#include "evlog.h"

#include <inttypes.h>
#include <string.h>

#include "fnv1a.h"
#include "regnames.h"

const char *const kcall_names[KC_COUNT] = {
#define KCALL_NAME(id, name) [KC_##id] = name,
	KCALLS(KCALL_NAME)
#undef KCALL_NAME
};

static const char *const kind_names[EV_KIND_COUNT] = {
#define KIND_NAME(id, name, flags) [EV_##id] = name,
	SIM_EVENT_KINDS(KIND_NAME)
#undef KIND_NAME
};

const char *event_kind_name(enum sim_event_kind kind)
{
	return (unsigned)kind < EV_KIND_COUNT ? kind_names[kind] : "?";
}


/* Little-endian whatever the host, so the hash is too. */
static uint64_t le64_at(const char *p, size_t n)
{
	uint64_t w = 0;
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)p[i] << (8 * i);
	return w;
}

uint64_t evlog_mix_text(uint64_t h, const char *text)
{
	size_t len = strlen(text), at = 0;
	for (; len - at >= 16; at += 16)
		h = evlog_mix(h, le64_at(text + at, 8), le64_at(text + at + 8, 8));
	size_t left = len - at;
	uint64_t a = le64_at(text + at, left < 8 ? left : 8);
	uint64_t b = left > 8 ? le64_at(text + at + 8, left - 8) : 0;
	/* The length last, so that "a" and "a\0" (zero-padded alike) differ. */
	h = evlog_mix(h, a, b);
	return evlog_mix(h, (uint64_t)len, 0);
}

static const char header[] =
	"# ac97sim event log: one event a line, in the order they happened.\n"
	"# step: scheduling steps taken so far; us: simulated time in microseconds;\n"
	"# tick: simulated time in AC-link BIT_CLK ticks (12.288 MHz); cpu: the CPU it\n"
	"# happened on (dev: the device, -: none); event: its kind; then what it was.\n"
	"#    step         us        tick  cpu   event     details\n";

void evlog_init(struct evlog *log, FILE *text)
{
	memset(log, 0, sizeof(*log));
	log->hash = FNV1A64_INIT;
	log->text = text;
	if (text != NULL)
		fputs(header, text);
}

static const char *object(const struct evlog *log, uint32_t id, char *buf, size_t len)
{
	const char *name = log->object_name != NULL ? log->object_name(log->object_name_ctx, id) : NULL;
	if (name != NULL)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "#%u", (unsigned)id);
	return buf;
}

static void describe_port(const struct port_event *p, char *buf, size_t len)
{
	static const char *const gm[] = { "", "none available: STATUS_NOT_FOUND, MappingAvailable owed",
					  "refused (fault injection): STATUS_NOT_FOUND" };
	static const char *const rel[] = { "", ", during RevokeMappings (not to be counted)",
					   ", after RevokeMappings left it out of its count" };
	unsigned long long tag = (unsigned long long)p->tag, tag2 = (unsigned long long)p->tag2;
	switch ((enum port_event_kind)p->kind) {
	case PORT_EV_STREAM_CREATED:
		snprintf(buf, len, "port: stream created: %s, %s, %s pages, %llu-byte IRPs, %llu bytes",
			 (p->result & 0xFF) ? "capture" : "render",
			 ((p->result >> 8) & 0xFF) ? "DSound" : "KMixer",
			 ((p->result >> 16) & 0xFF) ? "contiguous" : "scattered",
			 (unsigned long long)p->a, (unsigned long long)p->b);
		return;
	case PORT_EV_IRP_SUBMITTED:
		snprintf(buf, len, "port: IRP %u submitted: %llu bytes at stream offset %llu, %u pages, "
			 "%u mappings", p->irp, (unsigned long long)p->a, (unsigned long long)p->b,
			 p->result, p->index);
		return;
	case PORT_EV_IRP_DONE:
		snprintf(buf, len, "port: IRP %u %s (%u mappings)", p->irp,
			 p->result ? "cancelled" : "completed", p->index);
		return;
	case PORT_EV_GET_MAPPING:
		if (p->result != PORT_GM_OK) {
			snprintf(buf, len, "GetMapping(tag 0x%llx): %s", tag, gm[p->result % 3]);
			return;
		}
		snprintf(buf, len, "GetMapping(tag 0x%llx) = mapping #%u of IRP %u: 0x%08x + %u bytes, "
			 "stream offset %llu%s", tag, p->index, p->irp, (unsigned)(p->a & 0xFFFFFFFFu),
			 (unsigned)(p->a >> 32), (unsigned long long)p->b,
			 tag2 ? ", last of its IRP" : "");
		return;
	case PORT_EV_RELEASE_MAPPING:
		snprintf(buf, len, "ReleaseMapping(tag 0x%llx): mapping #%u of IRP %u%s", tag, p->index,
			 p->irp, rel[p->result % 3]);
		return;
	case PORT_EV_NOTIFY:
		snprintf(buf, len, "Notify: the port's service DPC queued");
		return;
	case PORT_EV_MAPPING_AVAILABLE:
		if (p->result)
			snprintf(buf, len, "port: MappingAvailable (mappings came round again)");
		else
			snprintf(buf, len, "port: MappingAvailable after %u new IRP(s)", p->index);
		return;
	case PORT_EV_CANCEL:
		snprintf(buf, len, "port: cancel IRP %u: %llu acquired mappings to revoke (#%u..#%llu)",
			 p->irp, (unsigned long long)p->b, p->index, (unsigned long long)p->a);
		return;
	case PORT_EV_REVOKE_RETURNED:
		snprintf(buf, len, "RevokeMappings(tag 0x%llx, tag 0x%llx) for IRP %u returned 0x%08x, "
			 "%u revoked (%u in range, %u released during the call, %u releases in flight)",
			 tag, tag2, p->irp, p->result, (unsigned)(p->a & 0xFFFFFFFFu),
			 (unsigned)(p->a >> 32), (unsigned)(p->b & 0xFFFFFFFFu),
			 (unsigned)(p->b >> 32));
		return;
	case PORT_EV_STATE:
		snprintf(buf, len, "port: SetState %s -> %s%s", ksstate_name((KSSTATE)p->a),
			 ksstate_name((KSSTATE)p->b), p->result ? " failed" : "");
		return;
	case PORT_EV_REFUSALS:
		snprintf(buf, len, "port: the next %llu GetMapping calls will be refused",
			 (unsigned long long)p->a);
		return;
	case PORT_EV_POSITION:
		if (p->result != 0)
			snprintf(buf, len, "port: GetPosition failed: 0x%08x", p->result);
		else
			snprintf(buf, len, "port: GetPosition = %llu bytes", (unsigned long long)p->a);
		return;
	case PORT_EV_MAPPING:
		snprintf(buf, len, "port: mapping #%u of IRP %u (tag 0x%llx) is %s", p->index, p->irp,
			 tag, port_mapping_state_name((enum port_mapping_state)p->result));
		return;
	case PORT_EV_POSITION_ASKED:
		snprintf(buf, len, "port: GetPosition called");
		return;
	case PORT_EV_TERMINATE_PACKET:
		if (p->irp == UINT32_MAX)
			snprintf(buf, len, "TerminatePacket: no packet part-mapped");
		else
			snprintf(buf, len, "TerminatePacket: IRP %u ends after what was mapped (%u "
				 "mappings dropped)%s", p->irp, p->index,
				 p->result ? "; it is done" : "");
		return;
	case PORT_EV_COUNT:
		break;
	}
	snprintf(buf, len, "port event %u", p->kind);
}

static void describe_kcall(const struct evlog *log, const struct ev_kcall *k, char *buf,
			   size_t len)
{
	char o[96];
	const char *name = k->call < KC_COUNT ? kcall_names[k->call] : "?";
	unsigned long long a0 = (unsigned long long)k->arg0, a1 = (unsigned long long)k->arg1;
	switch ((enum kcall)k->call) {
	case KC_RAISE_IRQL:
	case KC_LOWER_IRQL:
		snprintf(buf, len, "%s(%llu) from IRQL %llu", name, a0, a1);
		return;
	case KC_SET_TIMER:
		snprintf(buf, len, "%s(%s): due at tick %llu, period %llu ticks", name,
			 object(log, k->object, o, sizeof(o)), a0, a1);
		return;
	case KC_ALLOC_COMMON_BUFFER:
	case KC_FREE_COMMON_BUFFER:
		snprintf(buf, len, "%s: %llu bytes at 0x%08llx", name, a1, a0);
		return;
	case KC_STALL:
		snprintf(buf, len, "%s(%llu us)", name, a0);
		return;
	case KC_PORT_CALL:
		snprintf(buf, len, "port call %s with %llu spin lock(s) held",
			 a0 == 0 ? "GetMapping" : a0 == 1 ? "ReleaseMapping" : "Notify", a1);
		return;
	default:
		if (k->object != 0)
			snprintf(buf, len, "%s(%s)", name, object(log, k->object, o, sizeof(o)));
		else
			snprintf(buf, len, "%s", name);
		return;
	}
}

void evlog_describe(const struct evlog *log, const struct sim_event *ev, char *buf, size_t len)
{
	static const char *const object_types[KOBJ_TYPE_COUNT] = {
		"spin lock", "interrupt", "DPC", "timer", "event", "work item",
	};
	char o[96], r[64], v[96];
	switch ((enum sim_event_kind)ev->kind) {
	case EV_SCHEDULE:
		snprintf(buf, len, "%s cpu%u (of %u options)",
			 ev->u.schedule.action == SCHED_ISR ? "interrupt on" : "run", ev->u.schedule.cpu,
			 ev->u.schedule.n_options);
		return;
	case EV_KCALL:
		describe_kcall(log, &ev->u.kcall, buf, len);
		return;
	case EV_OBJECT:
		snprintf(buf, len, "%s #%u '%s' initialised",
			 ev->u.object.type < KOBJ_TYPE_COUNT ? object_types[ev->u.object.type] : "object",
			 ev->u.object.id, ev->text ? ev->text : "");
		return;
	case EV_IO:
		if (ev->u.io.bar == UINT32_MAX) {
			snprintf(buf, len, "%s of port 0x%x outside the device (%u-bit)",
				 ev->u.io.write ? "write" : "read", ev->u.io.offset, ev->u.io.width_bits);
			return;
		}
		reg_name((enum ac97_bar)ev->u.io.bar, ev->u.io.offset, r, sizeof(r));
		reg_value((enum ac97_bar)ev->u.io.bar, ev->u.io.offset, (uint32_t)ev->u.io.value, v,
			  sizeof(v));
		snprintf(buf, len, "%s %s %s (%u-bit)", r, ev->u.io.write ? "<-" : "->", v,
			 ev->u.io.width_bits);
		return;
	case EV_ISR:
		snprintf(buf, len, "%s", !ev->u.isr.leaving ? "ISR entered"
					 : ev->u.isr.claimed ? "ISR left, claimed"
							     : "ISR left, declined");
		return;
	case EV_DPC:
		snprintf(buf, len, "DPC %s runs", object(log, ev->u.id.id, o, sizeof(o)));
		return;
	case EV_TIMER:
		snprintf(buf, len, "timer %s expired (due at tick %llu)",
			 object(log, ev->u.id.id, o, sizeof(o)), (unsigned long long)ev->u.id.due_tick);
		return;
	case EV_TASK:
		snprintf(buf, len, "passive call '%s' starts", ev->text ? ev->text : "");
		return;
	case EV_NOTE:
		snprintf(buf, len, "%s", ev->text ? ev->text : "");
		return;
	case EV_FAULT: {
		static const char *const what[] = { "interrupts held back", "CPU %u stalled",
						    "bus stalled", "GetMapping refusals",
						    "cpu%u delayed" };
		const uint32_t n_what = sizeof(what) / sizeof(what[0]);
		char w[48];
		snprintf(w, sizeof(w), what[ev->u.fault.kind % n_what], ev->u.fault.arg);
		snprintf(buf, len, "%s: %s until tick %llu (%llu us)",
			 ev->u.fault.kind == FAULT_DELAYED ? "delay" : "fault injected", w,
			 (unsigned long long)ev->u.fault.until_tick,
			 (unsigned long long)sim_ticks_to_us(ev->u.fault.until_tick));
		return;
	}
	case EV_MARK:
		snprintf(buf, len, "window %s", ev->text ? ev->text : "");
		return;
	case EV_DEVICE: {
		const struct ac97_event *de = ev->ref;
		const char *engine = ev->u.device.engine >= 0
					     ? ac97_engine_name((enum ac97_engine_id)ev->u.device.engine)
					     : "device";
		if (ev->u.device.kind == AC97_EV_GUEST_ERROR)
			snprintf(buf, len, "%s: guest error %s: %s (0x%llx)", engine,
				 ac97_guest_error_name((enum ac97_guest_error)ev->u.device.code),
				 de && de->what ? de->what : "", (unsigned long long)ev->u.device.a);
		else
			snprintf(buf, len, "%s: %s (0x%llx)", engine, de && de->what ? de->what : "event",
				 (unsigned long long)ev->u.device.a);
		return;
	}
	case EV_PORT:
		describe_port(&ev->u.port, buf, len);
		return;
	case EV_FAILURE:
		snprintf(buf, len, "FAILED: %s", ev->text ? ev->text : "");
		return;
	case EV_STEP:
	case EV_DMA:
	case EV_SPAN:
	case EV_RUN_END:
	case EV_LIMIT:
	case EV_DEADLINE:
	case EV_LIFECYCLE:
	case EV_KIND_COUNT:
		break;
	}
	snprintf(buf, len, "%s", event_kind_name((enum sim_event_kind)ev->kind));
}

void evlog_write_text(const struct evlog *log, const struct sim_event *ev)
{
	char details[512];
	evlog_describe(log, ev, details, sizeof(details));
	char cpu[16];	/* "cpu" and any int: no truncation to warn of */
	if (ev->cpu >= 0)
		snprintf(cpu, sizeof(cpu), "cpu%d", ev->cpu);
	else
		snprintf(cpu, sizeof(cpu), "%s", ev->kind == EV_DEVICE ? "dev" : "-");
	fprintf(log->text, "%9" PRIu64 " %10" PRIu64 " %11" PRIu64 "  %-5s %-9s %s\n", ev->step,
		sim_ticks_to_us(ev->tick), ev->tick, cpu, event_kind_name((enum sim_event_kind)ev->kind),
		details);
}
