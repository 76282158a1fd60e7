/*
 * Internal hooks of the input layer, for its tests: a smaller read block, so
 * that documents straddle blocks in small fixtures, and the size of the
 * read buffer, so that tests can check that memory stays bounded.
 */
#ifndef SW_IO_INPUT_INTERNAL_H
#define SW_IO_INPUT_INTERNAL_H

#include <stddef.h>

#include "input.h"

/* Bytes read per block by input_open(). */
#define INPUT_BLOCK (1u << 20)

/* input_open() with `block` bytes per read instead of INPUT_BLOCK. */
struct input *input_open_block(const char *path, const struct input_limits *limits,
			       size_t block);

/* Bytes allocated for the read buffer: at most max_document + 2 blocks. */
size_t input_buffer_size(const struct input *in);

#endif
