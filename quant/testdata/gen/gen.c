// gen.c writes the golden files of package quant (../*.golden.gz after gzip)
// by calling llama.cpp's own reference routines. It contains no llama.cpp
// code: it only includes ggml's headers and links against ggml-quants.c and
// ggml-cpu/quants.c from a llama.cpp checkout (see ../README.md for the steps).
//
// Every golden file has this layout (all little-endian):
//
//	magic   [8]byte "HERDQG01"
//	rows    u32     rows of the deterministic input (R = 16)
//	cols    u32     values per row (C = 512)
//	rbytes  u32     bytes per quantized row
//	nrand   u32     rows of random blocks (NR = 4)
//	ndot    u32     1 when dot-product sections follow, else 0
//	hash    u64     FNV-1a 64 of the input float32 bits (checks the LCG port)
//	Q       [R*rbytes]    quantize_row_<fmt>_ref(input row r)
//	DQ      [R*C]f32      dequantize_row_<fmt>(Q row r)
//	RB      [NR*rbytes]   random blocks (finite scales)
//	DRB     [NR*C]f32     dequantize_row_<fmt>(RB row r)
//	if ndot:
//	DOTQ    [R*R]f32      ggml_vec_dot_<fmt>_<act>_generic(C, Q row r, act row s) at r*R+s
//	DOTRB   [NR*R]f32     same with RB row r
//
// act row s is the input row s quantized with quantize_row_q8_0_ref (for q8_0
// and q4_0) or quantize_row_q8_K_ref (for q4_K and q6_K); those activation
// rows are the Q section of q8_0.golden and q8_k.golden.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "ggml-common.h"
#include "ggml-quants.h"
#include "ggml-impl.h"

#define R 16
#define C 512
#define NR 4

// Declarations of the generic dot products in ggml-cpu/quants.c.
typedef void (*vec_dot_t)(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_vec_dot_q8_0_q8_0_generic(int, float *, size_t, const void *, size_t, const void *, size_t, int);
void ggml_vec_dot_q4_0_q8_0_generic(int, float *, size_t, const void *, size_t, const void *, size_t, int);
void ggml_vec_dot_q4_K_q8_K_generic(int, float *, size_t, const void *, size_t, const void *, size_t, int);
void ggml_vec_dot_q6_K_q8_K_generic(int, float *, size_t, const void *, size_t, const void *, size_t, int);

// Symbols the two ggml objects reference but this program never reaches.
float ggml_table_f32_f16[1 << 16];
void ggml_abort(const char *file, int line, const char *fmt, ...) { (void)fmt; fprintf(stderr, "abort %s:%d\n", file, line); abort(); }
size_t ggml_row_size(enum ggml_type type, int64_t ne) { (void)type; (void)ne; abort(); }
const char *ggml_type_name(enum ggml_type type) { (void)type; return "?"; }
size_t ggml_type_size(enum ggml_type type) { (void)type; abort(); }

// The LCG shared with quant's tests (PCG's multiplier and increment).
static uint64_t lcg_state;
static uint32_t next32(void) {
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(lcg_state >> 32);
}
// u maps the top 24 bits of r to [-1, 1) exactly.
static float u_of(uint32_t r) { return (float)((int32_t)(r >> 8) - (1 << 23)) * (1.0f / 8388608.0f); }

static const float pow2tab[8] = {1.0f / 16, 1.0f / 8, 1.0f / 4, 1.0f / 2, 1.0f, 2.0f, 4.0f, 8.0f};

// gen_row fills one input row of kind k; quant's tests hold a Go twin.
static void gen_row(int k, float *x) {
	for (int j = 0; j < C; j++) {
		uint32_t r = next32();
		float u = u_of(r), v;
		switch (k) {
		case 0: v = u; break;
		case 1: v = u * u * u * 4.0f; break;
		case 2: v = (r & 0x3f) == 7 ? u * 2.0f : u * 0.05f; break;
		case 3: v = 0.0f; break;
		case 4: v = u * 1e-7f; break;
		case 5: v = u * 1e-20f; break;
		case 6: v = u * 30000.0f; break;
		case 7: v = fabsf(u) * 2.0f; break;
		case 8: v = -fabsf(u) * 3.0f; break;
		case 9: v = (float)((j >> 5) - 7) * 0.125f; break;
		case 10: v = ((j >> 4) & 1) ? 0.0f : u; break;
		case 11: v = (float)(int32_t)(u * 8.0f) * 0.25f; break;
		case 12: v = (r & 0xff) < 6 ? u * 10.0f : 0.0f; break;
		case 13: v = (u + 0.25f) * 0.01f; break;
		case 14: v = (u - 0.5f) * 100.0f; break;
		default: v = u * pow2tab[(j >> 4) & 7]; break;
		}
		x[j] = v;
	}
}

static void put(FILE *f, const void *p, size_t n) {
	if (fwrite(p, 1, n, f) != n) { perror("write"); exit(1); }
}
static void put32(FILE *f, uint32_t v) { put(f, &v, 4); }

typedef void (*quant_t)(const float *, void *, int64_t);
typedef void (*dequant_t)(const void *, float *, int64_t);

struct fmt {
	const char *name;
	int block, bytes;
	quant_t q;
	dequant_t dq;
	vec_dot_t dot;
	int act_k; // activation is q8_K (1) or q8_0 (0)
	// where the scales live inside a block, to make random blocks finite
	int kind;
};

static float input[R][C];
static uint8_t act0[R][C / 32 * sizeof(block_q8_0)];
static uint8_t actk[R][C / 256 * sizeof(block_q8_K)];

// finite_f16 turns a random 16-bit pattern into a finite half (clears one exponent bit of inf/NaN).
static uint16_t finite_f16(uint16_t h) { return (h & 0x7c00) == 0x7c00 ? h & ~0x4000 : h; }

static void fix_block(int kind, uint8_t *b) {
	uint16_t h;
	switch (kind) {
	case 0: // q8_0, q4_0: d at 0
		memcpy(&h, b, 2); h = finite_f16(h); memcpy(b, &h, 2); break;
	case 1: // q4_K: d at 0, dmin at 2
		memcpy(&h, b, 2); h = finite_f16(h); memcpy(b, &h, 2);
		memcpy(&h, b + 2, 2); h = finite_f16(h); memcpy(b + 2, &h, 2); break;
	case 2: // q6_K: d at 208
		memcpy(&h, b + 208, 2); h = finite_f16(h); memcpy(b + 208, &h, 2); break;
	case 3: { // q8_K: float d at 0
		float d = u_of(next32()) * 0.01f; memcpy(b, &d, 4); break; }
	}
}

static void emit(const struct fmt *F, const char *dir) {
	char path[512];
	snprintf(path, sizeof path, "%s/%s.golden", dir, F->name);
	FILE *f = fopen(path, "wb");
	if (!f) { perror(path); exit(1); }
	int rb = C / F->block * F->bytes;
	uint8_t *q = calloc(R, rb), *rnd = calloc(NR, rb);
	float *dq = calloc(R * C, 4);

	uint64_t h = 1469598103934665603ULL;
	for (int r = 0; r < R; r++) for (int j = 0; j < C; j++) {
		uint32_t bits; memcpy(&bits, &input[r][j], 4);
		for (int b = 0; b < 4; b++) { h ^= (bits >> (8 * b)) & 0xff; h *= 1099511628211ULL; }
	}
	put(f, "HERDQG01", 8);
	put32(f, R); put32(f, C); put32(f, rb); put32(f, NR); put32(f, F->dot != NULL);
	put(f, &h, 8);

	for (int r = 0; r < R; r++) F->q(input[r], q + r * rb, C);
	put(f, q, R * rb);
	for (int r = 0; r < R; r++) F->dq(q + r * rb, dq + r * C, C);
	put(f, dq, R * C * 4);

	lcg_state = 0x5eed0000ULL + F->bytes; // random blocks: own stream per format
	for (int i = 0; i < NR * rb; i++) rnd[i] = (uint8_t)(next32() >> 24);
	for (int r = 0; r < NR; r++)
		for (int b = 0; b < C / F->block; b++) fix_block(F->kind, rnd + r * rb + b * F->bytes);
	put(f, rnd, NR * rb);
	for (int r = 0; r < NR; r++) F->dq(rnd + r * rb, dq + r * C, C);
	put(f, dq, NR * C * 4);

	if (F->dot) {
		for (int pass = 0; pass < 2; pass++) {
			uint8_t *w = pass ? rnd : q;
			int nw = pass ? NR : R;
			for (int r = 0; r < nw; r++) for (int s = 0; s < R; s++) {
				float v = 0;
				const void *a = F->act_k ? (const void *)actk[s] : (const void *)act0[s];
				F->dot(C, &v, 0, w + r * rb, 0, a, 0, 1);
				put(f, &v, 4);
			}
		}
	}
	fclose(f);
	free(q); free(rnd); free(dq);
}

int main(int argc, char **argv) {
	const char *dir = argc > 1 ? argv[1] : ".";
	for (int i = 0; i < (1 << 16); i++) ggml_table_f32_f16[i] = GGML_COMPUTE_FP16_TO_FP32((ggml_fp16_t)i);

	lcg_state = 0x4845524451ULL; // "HERDQ"
	for (int r = 0; r < R; r++) gen_row(r, input[r]);
	for (int r = 0; r < R; r++) {
		memset(act0[r], 0, sizeof act0[r]);
		memset(actk[r], 0, sizeof actk[r]);
		quantize_row_q8_0_ref(input[r], (block_q8_0 *)act0[r], C);
		quantize_row_q8_K_ref(input[r], (block_q8_K *)actk[r], C);
	}
	const struct fmt fmts[] = {
		{"q8_0", 32, sizeof(block_q8_0), (quant_t)quantize_row_q8_0_ref, (dequant_t)dequantize_row_q8_0, ggml_vec_dot_q8_0_q8_0_generic, 0, 0},
		{"q4_0", 32, sizeof(block_q4_0), (quant_t)quantize_row_q4_0_ref, (dequant_t)dequantize_row_q4_0, ggml_vec_dot_q4_0_q8_0_generic, 0, 0},
		{"q4_k", 256, sizeof(block_q4_K), (quant_t)quantize_row_q4_K_ref, (dequant_t)dequantize_row_q4_K, ggml_vec_dot_q4_K_q8_K_generic, 1, 1},
		{"q6_k", 256, sizeof(block_q6_K), (quant_t)quantize_row_q6_K_ref, (dequant_t)dequantize_row_q6_K, ggml_vec_dot_q6_K_q8_K_generic, 1, 2},
		{"q8_k", 256, sizeof(block_q8_K), (quant_t)quantize_row_q8_K_ref, (dequant_t)dequantize_row_q8_K, NULL, 1, 3},
	};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) emit(&fmts[i], dir);
	return 0;
}
