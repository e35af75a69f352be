/*
 * capture.h - `ac97sim capture --in FILE --out OUT.wav [--mic]`: records a
 * sound file through the codec's ADC and the PCM-in (or mic) engine, the
 * reference miniport (or a variant) and the port model, and writes what
 * landed in the stream's buffers.
 */
#ifndef AC97SIM_CAPTURE_H
#define AC97SIM_CAPTURE_H

#include <stdio.h>

int cmd_capture(int argc, char **argv);
void help_capture(FILE *f);

#endif
