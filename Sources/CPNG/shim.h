// libpng 1.6 (Debian: libpng-dev).
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * ClipTune's PNG entry points (used by Sources/Preprocessing/Image/PNGDecoder.swift).
 *
 * libpng reports fatal errors by longjmp-ing to png_jmpbuf. Swift cannot call setjmp, so the
 * setjmp/longjmp pair lives entirely in these header-only C functions, which the Swift compiler's
 * Clang importer compiles into the module that calls them; no Swift frame is ever between them.
 * Each entry point returns 0, or -1 with the message in ctx->message.
 *
 * Only structural transforms are requested (1/2/4-bit samples unpacked to one byte each, Adam7
 * de-interlacing); no gamma, no palette expansion, no 16->8 reduction. Samples come back as
 * stored (16-bit big-endian) and Swift converts them to RGB the way Pillow's convert("RGB") does.
 */

typedef struct cliptune_png {
  png_structp png;
  png_infop info;
  png_infop end_info;
  const unsigned char *data;
  size_t size;
  size_t position;
  size_t readable; /* bytes libpng may read: up to the first chunk that runs past the end */
  char cut[96];    /* why readable < size, for the truncation message */
  png_bytepp rows;
  char message[256];
} cliptune_png;

static inline void cliptune_png_error(png_structp png, png_const_charp message) {
  cliptune_png *ctx = (cliptune_png *)png_get_error_ptr(png);
  snprintf(ctx->message, sizeof ctx->message, "%s", message ? message : "libpng error");
  png_longjmp(png, 1);
}

static inline void cliptune_png_warning(png_structp png, png_const_charp message) {
  (void)png;
  (void)message; /* Pillow does not report these either */
}

static inline void cliptune_png_read(png_structp png, png_bytep out, size_t count) {
  cliptune_png *ctx = (cliptune_png *)png_get_io_ptr(png);
  if (count > ctx->readable - ctx->position) {
    if (ctx->cut[0] != 0) png_error(png, ctx->cut);
    png_error(png, "image file is truncated");
  }
  memcpy(out, ctx->data + ctx->position, count);
  ctx->position += count;
}

/** A zeroed context (free with cliptune_png_destroy), or NULL when out of memory. */
static inline cliptune_png *cliptune_png_create(void) {
  return (cliptune_png *)calloc(1, sizeof(cliptune_png));
}

/** Releases everything; safe after any failure. */
static inline void cliptune_png_destroy(cliptune_png *ctx) {
  if (ctx == NULL) return;
  if (ctx->png != NULL) png_destroy_read_struct(&ctx->png, &ctx->info, &ctx->end_info);
  free(ctx->rows);
  free(ctx);
}

/**
 * libpng allocates a whole chunk from its declared length before reading it (and only warns when
 * the length is over its limit): an 84-byte file declaring a 1 GB zTXt made it malloc 1 GB (found
 * by fuzzing). So libpng is shown the data only up to the first chunk whose data runs past the
 * end of the file; reading that chunk's header then fails as "truncated", which is what reading
 * its data would have done, without the allocation.
 */
static inline void cliptune_png_limit_to_whole_chunks(cliptune_png *ctx) {
  size_t pos = 8; /* after the signature */
  ctx->readable = ctx->size;
  ctx->cut[0] = 0;
  while (pos <= ctx->size && ctx->size - pos >= 8) {
    const unsigned char *p = ctx->data + pos;
    size_t length = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | (size_t)p[3];
    size_t left = ctx->size - pos - 8;
    if (length > left) {
      char type[5] = {0};
      for (int i = 0; i < 4; i++) type[i] = (p[4 + i] >= 0x20 && p[4 + i] < 0x7f) ? (char)p[4 + i] : '?';
      snprintf(ctx->cut, sizeof ctx->cut, "image file is truncated: chunk '%s' declares %zu bytes, %zu follow",
               type, length, left);
      ctx->readable = pos;
      return;
    }
    pos += 12 + length; /* header, data, CRC */
  }
}

/**
 * Reads signature and chunks up to the first IDAT of the PNG in data[0..<size] (which must
 * outlive ctx). Returns 0 and the IHDR fields, or -1.
 */
static inline int cliptune_png_read_header(cliptune_png *ctx, const unsigned char *data, size_t size,
                                           unsigned int *width, unsigned int *height,
                                           int *bit_depth, int *color_type, int *interlace) {
  ctx->data = data;
  ctx->size = size;
  ctx->position = 0;
  cliptune_png_limit_to_whole_chunks(ctx);
  ctx->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, cliptune_png_error,
                                    cliptune_png_warning);
  if (ctx->png == NULL) {
    snprintf(ctx->message, sizeof ctx->message, "cannot create libpng reader");
    return -1;
  }
  if (setjmp(png_jmpbuf(ctx->png))) return -1;
  ctx->info = png_create_info_struct(ctx->png);
  ctx->end_info = png_create_info_struct(ctx->png);
  png_set_read_fn(ctx->png, ctx, cliptune_png_read);
  png_read_info(ctx->png, ctx->info);
  png_uint_32 w = 0, h = 0;
  int depth = 0, type = 0, lace = 0;
  png_get_IHDR(ctx->png, ctx->info, &w, &h, &depth, &type, &lace, NULL, NULL);
  *width = w;
  *height = h;
  *bit_depth = depth;
  *color_type = type;
  *interlace = lace;
  return 0;
}

/**
 * Decodes all rows into out (height rows of row_bytes bytes each; 1/2/4-bit samples unpacked
 * to one byte, 16-bit samples big-endian), then reads the chunks after the image data.
 * Returns 0, or -1. A damaged tail after complete image data is ignored, as Pillow does.
 */
static inline int cliptune_png_decode(cliptune_png *ctx, unsigned char *out, size_t row_bytes,
                                      size_t height) {
  if (setjmp(png_jmpbuf(ctx->png))) return -1;
  if (png_get_bit_depth(ctx->png, ctx->info) < 8) png_set_packing(ctx->png);
  png_set_interlace_handling(ctx->png);
  png_read_update_info(ctx->png, ctx->info);
  if (png_get_rowbytes(ctx->png, ctx->info) != row_bytes ||
      png_get_image_height(ctx->png, ctx->info) != height) {
    snprintf(ctx->message, sizeof ctx->message, "unexpected PNG row layout");
    return -1;
  }
  ctx->rows = (png_bytepp)malloc(height * sizeof(png_bytep));
  if (ctx->rows == NULL) {
    snprintf(ctx->message, sizeof ctx->message, "out of memory");
    return -1;
  }
  for (size_t y = 0; y < height; y++) ctx->rows[y] = out + y * row_bytes;
  png_read_image(ctx->png, ctx->rows);
  return 0;
}

/** Reads the chunks after the image data (eXIf, text); returns 0, or -1 when they are damaged. */
static inline int cliptune_png_read_end(cliptune_png *ctx) {
  if (setjmp(png_jmpbuf(ctx->png))) return -1;
  png_read_end(ctx->png, ctx->end_info);
  return 0;
}

/** Copies the PLTE entries (RGB triples) into out[0..<768]; returns the number of entries. */
static inline int cliptune_png_palette(cliptune_png *ctx, unsigned char *out) {
  png_colorp palette = NULL;
  int count = 0;
  if (!png_get_PLTE(ctx->png, ctx->info, &palette, &count) || palette == NULL) return 0;
  if (count > 256) count = 256;
  for (int i = 0; i < count; i++) {
    out[3 * i + 0] = palette[i].red;
    out[3 * i + 1] = palette[i].green;
    out[3 * i + 2] = palette[i].blue;
  }
  return count;
}

/** The eXIf chunk (before or after the image data) or NULL; its length in *length. */
static inline const unsigned char *cliptune_png_exif(cliptune_png *ctx, size_t *length) {
#ifdef PNG_eXIf_SUPPORTED
  png_bytep exif = NULL;
  png_uint_32 n = 0;
  if (png_get_eXIf_1(ctx->png, ctx->info, &n, &exif) && exif != NULL) {
    *length = n;
    return exif;
  }
  if (ctx->end_info && png_get_eXIf_1(ctx->png, ctx->end_info, &n, &exif) && exif != NULL) {
    *length = n;
    return exif;
  }
#endif
  *length = 0;
  return NULL;
}

/** The first tEXt/zTXt/iTXt chunk whose keyword is key, or NULL; its length in *length. */
static inline const char *cliptune_png_text(cliptune_png *ctx, const char *key, size_t *length) {
  png_infop infos[2] = {ctx->info, ctx->end_info};
  for (int which = 0; which < 2; which++) {
    if (infos[which] == NULL) continue;
    png_textp text = NULL;
    int count = 0;
    png_get_text(ctx->png, infos[which], &text, &count);
    for (int i = 0; i < count; i++) {
      if (text[i].key != NULL && text[i].text != NULL && strcmp(text[i].key, key) == 0) {
        *length = text[i].compression > 0 ? text[i].itxt_length : text[i].text_length;
        return text[i].text;
      }
    }
  }
  *length = 0;
  return NULL;
}

/*
 * Encoding (used by Sources/Preprocessing/Image/PNGEncoder.swift) goes through libpng's simplified
 * write API, which reports errors in image.message instead of longjmp-ing, so no setjmp is needed.
 * The output holds IHDR, sRGB, IDAT and IEND only: no time or text chunks, so equal pixels give
 * equal bytes.
 */

/**
 * Encodes height rows of width 8-bit RGB pixels (pixels[0..<width*height*3]) as a PNG into a
 * malloc'd buffer: on success returns 0 with *out (release with free) and *out_size; on failure
 * returns -1 with the reason in message[0..<message_size] and *out == NULL.
 */
static inline int cliptune_png_encode_rgb(const unsigned char *pixels, unsigned int width,
                                          unsigned int height, unsigned char **out,
                                          size_t *out_size, char *message, size_t message_size) {
  *out = NULL;
  *out_size = 0;
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  /* A first pass without memory computes the exact size (it compresses and counts). */
  if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL) || size == 0) {
    snprintf(message, message_size, "%s", image.message[0] ? image.message : "libpng cannot encode this image");
    png_image_free(&image);
    return -1;
  }
  unsigned char *buffer = (unsigned char *)malloc(size);
  if (buffer == NULL) {
    snprintf(message, message_size, "out of memory");
    png_image_free(&image);
    return -1;
  }
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, 0, NULL)) {
    snprintf(message, message_size, "%s", image.message[0] ? image.message : "libpng cannot encode this image");
    png_image_free(&image);
    free(buffer);
    return -1;
  }
  *out = buffer;
  *out_size = size;
  return 0;
}
