// libjpeg-turbo (Debian: libjpeg62-turbo-dev). jpeglib.h needs stdio.h/stddef.h first.
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/*
 * ClipTune's JPEG entry points (used by Sources/Preprocessing/Image/JPEGDecoder.swift).
 *
 * libjpeg reports fatal errors through error_exit, which must not return. Swift cannot call
 * setjmp, so the setjmp/longjmp pair lives entirely in these header-only C functions, which the
 * Swift compiler's Clang importer compiles into the module that calls them. No Swift frame is ever
 * between a setjmp and its longjmp: error_exit below is plain C and jumps back into the C entry
 * point that called libjpeg, which returns -1 with the message in ctx->message.
 *
 * Decoding settings follow Pillow's JpegDecode.c: JDCT_ISLOW, fancy upsampling, libjpeg's own
 * colour conversion. Warnings are ignored as Pillow does, except "Premature end of JPEG file",
 * which Pillow reports as a truncated image and so do we.
 */

typedef struct cliptune_jpeg {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} cliptune_jpeg;

static inline void cliptune_jpeg_error_exit(j_common_ptr cinfo) {
  cliptune_jpeg *ctx = (cliptune_jpeg *)cinfo->client_data;
  (*cinfo->err->format_message)(cinfo, ctx->message);
  longjmp(ctx->jump, 1);
}

static inline void cliptune_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    cliptune_jpeg_error_exit(cinfo);  /* truncated data: fatal, like Pillow */
  }
}

/** A zeroed context (free with cliptune_jpeg_destroy), or NULL when out of memory. */
static inline cliptune_jpeg *cliptune_jpeg_create(void) {
  cliptune_jpeg *ctx = (cliptune_jpeg *)calloc(1, sizeof(cliptune_jpeg));
  if (ctx == NULL) return NULL;
  ctx->cinfo.err = jpeg_std_error(&ctx->jerr);
  ctx->jerr.error_exit = cliptune_jpeg_error_exit;
  ctx->jerr.emit_message = cliptune_jpeg_emit_message;
  ctx->cinfo.client_data = ctx;
  return ctx;
}

/** Releases everything; safe after any failure. */
static inline void cliptune_jpeg_destroy(cliptune_jpeg *ctx) {
  if (ctx == NULL) return;
  jpeg_destroy_decompress(&ctx->cinfo);  /* no-op when creation never happened (mem == NULL) */
  free(ctx);
}

/**
 * Reads the headers of the JPEG in data[0..<size] (which must outlive ctx).
 * Returns 0 and stores width, height and the number of components, or -1 (message in ctx).
 */
static inline int cliptune_jpeg_read_header(cliptune_jpeg *ctx, const unsigned char *data,
                                            unsigned long size, int *width, int *height,
                                            int *components) {
  if (setjmp(ctx->jump)) return -1;
  jpeg_create_decompress(&ctx->cinfo);
  jpeg_mem_src(&ctx->cinfo, data, size);
  int status;
  do {
    status = jpeg_read_header(&ctx->cinfo, FALSE);
  } while (status == JPEG_HEADER_TABLES_ONLY);
  if (status != JPEG_HEADER_OK) {
    snprintf(ctx->message, sizeof ctx->message, "no image in JPEG data");
    return -1;
  }
  *width = (int)ctx->cinfo.image_width;
  *height = (int)ctx->cinfo.image_height;
  *components = ctx->cinfo.num_components;
  return 0;
}

/**
 * Decodes the image after cliptune_jpeg_read_header into out: height rows of
 * width * channels bytes, where channels is 1, 3 or 4 for out_space JCS_GRAYSCALE, JCS_RGB or
 * JCS_CMYK. Returns 0, or -1 (message in ctx).
 */
static inline int cliptune_jpeg_decode(cliptune_jpeg *ctx, int out_space, unsigned char *out,
                                       size_t out_size) {
  if (setjmp(ctx->jump)) return -1;
  ctx->cinfo.out_color_space = (J_COLOR_SPACE)out_space;
  ctx->cinfo.dct_method = JDCT_ISLOW;
  ctx->cinfo.do_fancy_upsampling = TRUE;
  ctx->cinfo.scale_num = 1;
  ctx->cinfo.scale_denom = 1;
  jpeg_start_decompress(&ctx->cinfo);
  size_t stride = (size_t)ctx->cinfo.output_width * (size_t)ctx->cinfo.output_components;
  if (stride * (size_t)ctx->cinfo.output_height > out_size) {
    snprintf(ctx->message, sizeof ctx->message, "decoder output larger than expected");
    return -1;
  }
  while (ctx->cinfo.output_scanline < ctx->cinfo.output_height) {
    JSAMPROW row = out + (size_t)ctx->cinfo.output_scanline * stride;
    if (jpeg_read_scanlines(&ctx->cinfo, &row, 1) != 1) {
      snprintf(ctx->message, sizeof ctx->message, "decoder stalled");
      return -1;
    }
  }
  /* No jpeg_finish_decompress: like Pillow, data after the last scanline (EOI) is not required. */
  return 0;
}
