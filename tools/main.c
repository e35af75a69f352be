/*
 * main.c - the ac97sim program: a table of subcommands, each with its own
 * --help, so that later subcommands (run, replay, shrink, ...) slot in by
 * adding one row.
 *
 * Conventions for every subcommand: options through cli.h, diagnostics on
 * stderr as `ac97sim: FILE:LINE: reason` or `ac97sim: reason`, and the
 * exit statuses of exit_status.h.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cli.h"
#include "codec.h"
#include "driver_option.h"
#include "exit_status.h"
#include "merge.h"
#include "outfile.h"
#include "play.h"
#include "profile_option.h"
#include "ac97.h"
#include "regs_diff.h"
#include "regs_script.h"
#include "runs.h"
#include "shrink_cmd.h"
#include "version.h"

struct subcommand {
	const char *name;
	const char *synopsis;	/* arguments, for the command list */
	const char *summary;	/* one line */
	/* argv[0] is the subcommand's name; returns the exit status. */
	int (*run)(int argc, char **argv);
	void (*help)(FILE *f);
};

static int cmd_help(int argc, char **argv);
static int cmd_regs(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static void help_help(FILE *f);
static void help_regs(FILE *f);
static void help_version(FILE *f);

static const struct subcommand subcommands[] = {
	{ "capture", "--in FILE --out WAV", "record a sound file through PCM in or the mic",
	  cmd_capture, help_capture },
	{ "diff", "SCRIPT [--profiles P,Q]", "run a register script on several profiles, compare",
	  cmd_diff, help_diff },
	{ "explore", "SCENARIO [--runs N] [--seed S]", "run many schedules, find failing ones",
	  cmd_explore, help_explore },
	{ "help", "[COMMAND|TOPIC]", "this help, a command's, or a topic's (drivers, checkers, ...)",
	  cmd_help, help_help },
	{ "merge", "OUT.json IN.json...", "join the results of explore --shard K/N into one",
	  cmd_merge, help_merge },
	{ "play", "FILE [--out WAV]", "play a sound file through driver, device and codec",
	  cmd_play, help_play },
	{ "regs", "SCRIPT [--wav FILE]", "run a register script against the device", cmd_regs,
	  help_regs },
	{ "replay", "TRACE [--vcd F] [--out WAV]",
	  "replay a recorded run exactly, see it, hear it", cmd_replay, help_replay },
	{ "run", "SCENARIO [--seed N] [--trace-out F]", "run a scenario once: verdict and hash",
	  cmd_run, help_run },
	{ "shrink", "TRACE [-o FILE]", "the smallest failing run near a trace's",
	  cmd_shrink, help_shrink },
	{ "version", "", "print the version, build id and codec part", cmd_version,
	  help_version },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static const struct subcommand *find_subcommand(const char *name)
{
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

static bool is_help_flag(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ac97sim COMMAND [ARGS...]\n"
		   "       ac97sim --version | --help\n"
		   "\n"
		   "A cycle-accurate emulator of the Intel ICH AC'97 controller.\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
		char head[96];
		snprintf(head, sizeof(head), "%s %s", subcommands[i].name, subcommands[i].synopsis);
		fprintf(f, "  %-37s %s\n", head, subcommands[i].summary);
	}
	fprintf(f, "\n'ac97sim COMMAND --help' describes a command.\n\n");
	exit_status_print(f);
}

/* Lists that are not a command's help. */
struct help_topic {
	const char *name;
	void (*print)(FILE *f);
};

static const struct help_topic help_topics[] = {
	{ "drivers", driver_option_list_drivers },
	{ "checkers", driver_option_list_checkers },
	{ "windows", driver_option_list_windows },
	{ "profiles", profile_option_list },
};

static void help_help(FILE *f)
{
	fprintf(f, "usage: ac97sim help [COMMAND | TOPIC]\n"
		   "\n"
		   "Without an argument, lists the commands; with COMMAND, shows its help.\n"
		   "Topics:\n"
		   "  drivers    the built-in drivers, and how to load a plug-in (--driver)\n"
		   "  checkers   the checkers and what each failure means (--no-check)\n"
		   "  windows    the race windows a search reports reaching\n"
		   "  profiles   the device profiles and the quirks of each\n");
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "ac97sim: help: too many arguments (try 'ac97sim help')\n");
		return EXIT_USAGE;
	}
	if (argc == 2 && is_help_flag(argv[1])) {
		help_help(stdout);
		return EXIT_PASS;
	}
	if (argc == 2) {
		for (size_t i = 0; i < sizeof(help_topics) / sizeof(help_topics[0]); i++)
			if (strcmp(help_topics[i].name, argv[1]) == 0) {
				help_topics[i].print(stdout);
				return EXIT_PASS;
			}
		const struct subcommand *sc = find_subcommand(argv[1]);
		if (sc == NULL) {
			fprintf(stderr, "ac97sim: help: unknown command or topic '%s' (topics: "
					"drivers, checkers, windows, profiles)\n", argv[1]);
			return EXIT_USAGE;
		}
		sc->help(stdout);
		return EXIT_PASS;
	}
	usage(stdout);
	return EXIT_PASS;
}

static void help_version(FILE *f)
{
	fprintf(f, "usage: ac97sim version   (or: ac97sim --version)\n"
		   "\n"
		   "Prints the release, the build id and the modelled codec part.\n");
}

static int cmd_version(int argc, char **argv)
{
	if (argc == 2 && is_help_flag(argv[1])) {
		help_version(stdout);
		return EXIT_PASS;
	}
	if (argc > 1) {
		fprintf(stderr, "ac97sim: version: unexpected argument '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("ac97sim %s (build %s)\n", ac97sim_version(), ac97sim_build_id());
	printf("codec: %s\n", codec_part_name());
	return EXIT_PASS;
}

static const struct cli_option regs_options[] = {
	{ "wav", 0, CLI_VALUE, "FILE",
	  "write what the codec's DAC makes of PCM out as 16-bit stereo WAV" },
	PROFILE_OPTION,
	{ "dma-latency", 0, CLI_VALUE, "TICKS",
	  "each DMA transfer's latency in ticks (default 12; past a\n"
	  "frame, 256, the FIFO can run dry)" },
};

static const struct cli_spec regs_spec = {
	.command = "regs",
	.synopsis = "SCRIPT [--wav FILE] [--profile P] [--dma-latency TICKS]",
	.description =
		"Runs a register script against a fresh device (power-on state, 16 MiB of\n"
		"guest memory, all mapped) of the profile P (default ich; ac97sim help\n"
		"profiles). SCRIPT '-' reads standard input.\n"
		"\n"
		"Script, one command a line ('#' starts a comment; numbers decimal or 0x-hex):\n"
		"  write BAR OFF WIDTH VALUE          BAR nam|nabm, WIDTH 8|16|32\n"
		"  read BAR OFF WIDTH                 prints read BAR 0xOFF WIDTH = 0xVALUE\n"
		"  expect BAR OFF WIDTH VALUE [MASK]  fails unless read & MASK == VALUE & MASK\n"
		"  bd LIST INDEX ADDR SAMPLES [ioc] [bup]   writes a buffer descriptor\n"
		"  fill ADDR BYTES zero|ramp16|sine:HZ\n"
		"  unmap ADDR BYTES | map ADDR BYTES\n"
		"  advance N ticks|frames|us\n"
		"  irq [LEVEL]                        prints irq = 0|1; LEVEL is expected\n"
		"  out                                prints PCM-out frames and their FNV-1a 64\n"
		"  faults [N]                         prints the count of DMA faults; N is expected\n"
		"  last [L R]                         prints the last PCM-out frame on the link;\n"
		"                                     L R are expected\n",
	.options = regs_options,
	.n_options = sizeof(regs_options) / sizeof(regs_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = "Exit: 0 every expectation held, 1 one failed, 2 malformed script (every bad\n"
		    "line is reported; nothing runs), an unreadable file or an unwritable --wav.\n",
};

static void help_regs(FILE *f)
{
	cli_help(&regs_spec, f);
}

static int cmd_regs(int argc, char **argv)
{
	struct cli_args a;
	int st = cli_parse(&regs_spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	struct regs_script_opts opts = { 0 };
	opts.wav_path = cli_value(&regs_spec, &a, "wav");
	if (profile_option_get(&regs_spec, &a, &opts.profile) != 0)
		return EXIT_USAGE;
	opts.dma_latency_given = cli_given(&regs_spec, &a, "dma-latency");
	if (!cli_u64(&regs_spec, &a, "dma-latency", 0, AC97_DMA_LATENCY_TICKS_MAX,
		     &opts.dma_latency_ticks))
		return EXIT_USAGE;
	char err[1200];
	if (opts.wav_path != NULL && outfile_check(opts.wav_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return EXIT_USAGE;
	}
	int status = regs_script_run_file(a.operands[0], &opts, stdout, stderr);
	if (fflush(stdout) != 0 && status == EXIT_PASS) {
		fprintf(stderr, "ac97sim: regs: cannot write standard output\n");
		status = EXIT_USAGE;
	}
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	runs_program = argv[0];
	/* A file size limit must make a write fail (and be reported, with no
	 * partial output left), not kill the program. */
	signal(SIGXFSZ, SIG_IGN);
	const char *first = argv[1];
	if (is_help_flag(first)) {
		usage(stdout);
		return EXIT_PASS;
	}
	if (strcmp(first, "--version") == 0)
		return cmd_version(1, argv + 1);
	const struct subcommand *sc = find_subcommand(first);
	if (sc == NULL) {
		fprintf(stderr, "ac97sim: unknown command '%s' (try 'ac97sim help')\n", first);
		return EXIT_USAGE;
	}
	/* --help anywhere after the command: its help, for every command. */
	for (int i = 2; i < argc; i++) {
		if (is_help_flag(argv[i])) {
			sc->help(stdout);
			return EXIT_PASS;
		}
	}
	return sc->run(argc - 1, argv + 1);
}
