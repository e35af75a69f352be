/*
 * plot.c - see plot.h. cairo draws; this file lays out the panels.
 *
 * Coordinates are doubles: they place ink, they are not timing. Text uses
 * cairo's own simple font selection ("sans-serif"); a machine without
 * fonts still gets every line and dot, and the labels in whatever
 * fontconfig falls back to.
 */
#include "plot.h"

#include <cairo.h>
#include <cairo-svg.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

#define WIDTH_PX 1200.0
#define HEIGHT_PX 790.0
#define MARGIN_LEFT_PX 90.0
#define MARGIN_RIGHT_PX 30.0
#define TOP_PX 96.0
#define CHANNEL_PANEL_PX 230.0
#define DIFF_PANEL_PX 120.0
#define GAP_PX 24.0
#define FONT_PX 13.0

struct panel {
	double x0, y0, w, h;	/* the box */
	double t0_ns, t1_ns;	/* the time it spans */
	double half_range;	/* value at the box's top (and minus, at its bottom) */
	double label_value;	/* the largest magnitude drawn: labelled on the axis */
};

static double px_of_t(const struct panel *p, int64_t t_ns)
{
	return p->x0 + ((double)t_ns - p->t0_ns) / (p->t1_ns - p->t0_ns) * p->w;
}

static double py_of(const struct panel *p, double value)
{
	return p->y0 + p->h / 2.0 - value / p->half_range * (p->h / 2.0);
}

static void text_at(cairo_t *cr, double x, double y, const char *text, bool right)
{
	cairo_text_extents_t ext;
	cairo_text_extents(cr, text, &ext);
	cairo_move_to(cr, right ? x - ext.x_advance : x, y);
	cairo_show_text(cr, text);
}

/* The box, its zero line, its value labels and the time grid. */
static void draw_frame(cairo_t *cr, const struct panel *p, const char *label, bool time_labels)
{
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, p->x0, p->y0, p->w, p->h);
	cairo_fill(cr);
	cairo_set_line_width(cr, 1.0);
	cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
	/* A line each millisecond. */
	int64_t first_ms = (int64_t)(p->t0_ns / 1e6) - 1, last_ms = (int64_t)(p->t1_ns / 1e6) + 1;
	char buf[64];
	for (int64_t ms = first_ms; ms <= last_ms; ms++) {
		double x = px_of_t(p, ms * 1000000);
		if (x < p->x0 || x > p->x0 + p->w)
			continue;
		cairo_move_to(cr, x, p->y0);
		cairo_line_to(cr, x, p->y0 + p->h);
		cairo_stroke(cr);
		if (time_labels) {
			cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
			snprintf(buf, sizeof(buf), "%+" PRId64 " ms", ms);
			text_at(cr, x - 14, p->y0 + p->h + 16, ms == 0 ? "0" : buf, false);
			cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		}
	}
	cairo_move_to(cr, p->x0, py_of(p, 0));
	cairo_line_to(cr, p->x0 + p->w, py_of(p, 0));
	cairo_stroke(cr);
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	cairo_rectangle(cr, p->x0, p->y0, p->w, p->h);
	cairo_stroke(cr);
	text_at(cr, p->x0 - 6, py_of(p, 0) + FONT_PX / 3, "0", true);
	for (int sign = -1; sign <= 1; sign += 2) {
		double y = py_of(p, sign * p->label_value);
		snprintf(buf, sizeof(buf), "%+.0f", sign * p->label_value);
		text_at(cr, p->x0 - 6, y + FONT_PX / 3, buf, true);
		cairo_move_to(cr, p->x0 - 4, y);
		cairo_line_to(cr, p->x0, y);
		cairo_stroke(cr);
	}
	text_at(cr, p->x0, p->y0 - 6, label, false);
}

/* Frames that carried no data, shaded. */
static void shade_no_data(cairo_t *cr, const struct panel *p, const struct plot_input *in)
{
	cairo_set_source_rgb(cr, 0.93, 0.93, 0.80);
	for (uint32_t i = 0; i < in->n_points; i++) {
		if (in->points[i].kind != PLOT_NO_DATA)
			continue;
		int64_t t = in->points[i].t_ns;
		int64_t next = i + 1 < in->n_points ? in->points[i + 1].t_ns : t + 20833;
		cairo_rectangle(cr, px_of_t(p, t), p->y0, px_of_t(p, next) - px_of_t(p, t), p->h);
	}
	cairo_fill(cr);
}

/* A curve of one value per point; want_dots adds a dot per sample.
 * value() returns false where the point has no value (a gap). */
static void draw_curve(cairo_t *cr, const struct panel *p, const struct plot_input *in,
		       bool (*value)(const struct plot_point *pt, uint32_t ch, double *v), uint32_t ch,
		       bool want_dots)
{
	bool pen_down = false;
	for (uint32_t i = 0; i < in->n_points; i++) {
		double v;
		if (!value(&in->points[i], ch, &v)) {
			pen_down = false;
			continue;
		}
		double x = px_of_t(p, in->points[i].t_ns), y = py_of(p, v);
		if (pen_down)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
		pen_down = true;
	}
	cairo_stroke(cr);
	if (!want_dots)
		return;
	for (uint32_t i = 0; i < in->n_points; i++) {
		double v;
		if (!value(&in->points[i], ch, &v))
			continue;
		cairo_arc(cr, px_of_t(p, in->points[i].t_ns), py_of(p, v), 1.8, 0, 6.2831853);
		cairo_fill(cr);
	}
}

static bool crossed_value(const struct plot_point *pt, uint32_t ch, double *v)
{
	*v = pt->crossed[ch];
	return true;
}

static bool expected_value(const struct plot_point *pt, uint32_t ch, double *v)
{
	*v = pt->expected[ch];
	return pt->expected_known;
}

static bool diff_value(const struct plot_point *pt, uint32_t ch, double *v)
{
	*v = (double)pt->crossed[ch] - (double)pt->expected[ch];
	return pt->expected_known;
}

/* The largest magnitude value() gives on the channels, at least floor. */
static double range_of(const struct plot_input *in,
		       bool (*value)(const struct plot_point *pt, uint32_t ch, double *v),
		       double floor)
{
	double m = floor;
	for (uint32_t i = 0; i < in->n_points; i++)
		for (uint32_t ch = 0; ch < 2; ch++) {
			double v;
			if (value(&in->points[i], ch, &v) && (v > m || -v > m))
				m = v > 0 ? v : -v;
		}
	return m;
}

/* Room above and below the largest value. */
#define HEADROOM 1.08

static void moment_line(cairo_t *cr, const struct panel *p, int64_t t_ns)
{
	static const double dash[] = { 6.0, 4.0 };
	cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
	cairo_set_line_width(cr, 1.5);
	cairo_set_dash(cr, dash, 2, 0);
	cairo_move_to(cr, px_of_t(p, t_ns), p->y0);
	cairo_line_to(cr, px_of_t(p, t_ns), p->y0 + p->h);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
}

static void legend(cairo_t *cr, double x, double y)
{
	cairo_set_line_width(cr, 5.0);
	cairo_set_source_rgba(cr, 0.25, 0.45, 0.95, 0.55);
	cairo_move_to(cr, x, y);
	cairo_line_to(cr, x + 30, y);
	cairo_stroke(cr);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text_at(cr, x + 38, y + 4, "expected: the stream from the byte that was due", false);
	cairo_set_line_width(cr, 1.2);
	cairo_move_to(cr, x + 420, y);
	cairo_line_to(cr, x + 450, y);
	cairo_stroke(cr);
	text_at(cr, x + 458, y + 4, "crossed the AC-link", false);
	cairo_set_source_rgb(cr, 0.93, 0.93, 0.80);
	cairo_rectangle(cr, x + 620, y - 6, 30, 12);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text_at(cr, x + 658, y + 4, "no data (fill, underrun)", false);
	static const double dash[] = { 6.0, 4.0 };
	cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
	cairo_set_line_width(cr, 1.5);
	cairo_set_dash(cr, dash, 2, 0);
	cairo_move_to(cr, x + 860, y - 7);
	cairo_line_to(cr, x + 860, y + 7);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text_at(cr, x + 868, y + 4, "the first wrong sample", false);
}

static void draw(cairo_t *cr, const struct plot_input *in)
{
	cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, FONT_PX + 3);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text_at(cr, MARGIN_LEFT_PX, 26, in->title, false);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, FONT_PX);
	text_at(cr, MARGIN_LEFT_PX, 46, in->caption, false);
	legend(cr, MARGIN_LEFT_PX, 66);
	int64_t t0 = in->points[0].t_ns, t1 = in->points[in->n_points - 1].t_ns;
	int64_t last_point = t1;
	if (in->span_before_ns > 0 && -in->span_before_ns < t0)
		t0 = -in->span_before_ns;
	if (in->span_after_ns > 0 && in->span_after_ns > t1)
		t1 = in->span_after_ns;
	if (t1 <= t0)
		t1 = t0 + 1;
	double range = range_of(in, crossed_value, 256);
	double r2 = range_of(in, expected_value, 256);
	if (r2 > range)
		range = r2;
	int64_t moment_t = in->points[in->moment].t_ns;
	static const char *const names[2] = { "left (channel 0)", "right (channel 1)" };
	double y = TOP_PX + 10;
	for (uint32_t ch = 0; ch < 2; ch++) {
		struct panel p = { MARGIN_LEFT_PX, y, WIDTH_PX - MARGIN_LEFT_PX - MARGIN_RIGHT_PX,
				   CHANNEL_PANEL_PX, (double)t0, (double)t1, range * HEADROOM, range };
		char label[96];
		snprintf(label, sizeof(label), "%s%s", names[ch],
			 ch == in->moment_channel ? ": the wrong sample's channel" : "");
		draw_frame(cr, &p, label, false);
		shade_no_data(cr, &p, in);
		cairo_set_line_width(cr, 5.0);
		cairo_set_source_rgba(cr, 0.25, 0.45, 0.95, 0.55);
		draw_curve(cr, &p, in, expected_value, ch, false);
		cairo_set_line_width(cr, 1.2);
		cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		draw_curve(cr, &p, in, crossed_value, ch, true);
		moment_line(cr, &p, moment_t);
		if (in->after_note != NULL && last_point < t1) {
			cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
			double x = px_of_t(&p, last_point) + 16;
			text_at(cr, x, p.y0 + p.h / 2 - 4, in->after_note, false);
		}
		y += CHANNEL_PANEL_PX + GAP_PX;
	}
	double diff = range_of(in, diff_value, 16);
	struct panel d = { MARGIN_LEFT_PX, y, WIDTH_PX - MARGIN_LEFT_PX - MARGIN_RIGHT_PX,
			   DIFF_PANEL_PX, (double)t0, (double)t1, diff * HEADROOM, diff };
	draw_frame(cr, &d, "crossed minus expected (left black, right grey)", true);
	shade_no_data(cr, &d, in);
	cairo_set_line_width(cr, 1.2);
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	draw_curve(cr, &d, in, diff_value, 1, false);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	draw_curve(cr, &d, in, diff_value, 0, false);
	moment_line(cr, &d, moment_t);
}

/* cairo's output, into the outfile's stream. */
static cairo_status_t write_to(void *closure, const unsigned char *data, unsigned int length)
{
	FILE *f = closure;
	return fwrite(data, 1, length, f) == length ? CAIRO_STATUS_SUCCESS
						   : CAIRO_STATUS_WRITE_ERROR;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n >= k && strcmp(s + n - k, tail) == 0;
}

int plot_write(const char *path, const struct plot_input *in, char *err, size_t err_len)
{
	if (in->n_points == 0 || in->moment >= in->n_points || in->moment_channel > 1) {
		snprintf(err, err_len, "%s: nothing to draw", path);
		return -1;
	}
	struct outfile *o = outfile_open(path, err, err_len);
	if (o == NULL)
		return -1;
	FILE *f = outfile_stream(o);
	if (f == NULL) {
		outfile_set_error(o, strerror(errno != 0 ? errno : EIO));
		return outfile_commit(o, err, err_len);
	}
	bool svg = ends_with(path, ".svg") || ends_with(path, ".SVG");
	cairo_surface_t *s = svg ? cairo_svg_surface_create_for_stream(write_to, f, WIDTH_PX, HEIGHT_PX)
				 : cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)WIDTH_PX,
							      (int)HEIGHT_PX);
	cairo_t *cr = cairo_create(s);
	draw(cr, in);
	cairo_status_t status = cairo_status(cr);
	cairo_destroy(cr);
	if (status == CAIRO_STATUS_SUCCESS && !svg)
		status = cairo_surface_write_to_png_stream(s, write_to, f);
	cairo_surface_finish(s);
	if (status == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_status(s);
	cairo_surface_destroy(s);
	/* The font caches cairo and fontconfig keep for the process, freed:
	 * a program draws once, and a sanitizer build then reports no leak.
	 * (fontconfig starts again if anything draws later.) */
	cairo_debug_reset_static_data();
	FcFini();
	if (status != CAIRO_STATUS_SUCCESS)
		outfile_set_error(o, status == CAIRO_STATUS_WRITE_ERROR
					     ? strerror(errno != 0 ? errno : EIO)
					     : cairo_status_to_string(status));
	return outfile_commit(o, err, err_len);
}
