/* The generation loop: forward pass, tsamp chain, decode; the two timed separately. */
#include <time.h>

#include "llama2.h"
#include "llama2_internal.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int check_args(const llama2_model *m, llama2_state *s, const llama2_tokenizer *t,
                      tsamp_chain *chain, char *err, size_t errlen) {
    if (!m || !s || !t || !chain)
        return llama2_fail(err, errlen, LLAMA2_ERR_ARG, "llama2_generate: NULL argument");
    const llama2_config *c = llama2_model_config(m);
    if (tsamp_chain_n_vocab(chain) != (size_t)c->vocab_size)
        return llama2_fail(err, errlen, LLAMA2_ERR_ARG,
                           "llama2_generate: the chain is for %zu tokens, the model has %d",
                           tsamp_chain_n_vocab(chain), (int)c->vocab_size);
    return LLAMA2_OK;
}

int llama2_generate(const llama2_model *m, llama2_state *s, const llama2_tokenizer *t,
                    tsamp_chain *chain, size_t steps, llama2_emit_fn emit, void *ctx,
                    llama2_stats *stats, char *err, size_t errlen) {
    int rc = check_args(m, s, t, chain, err, errlen);
    if (rc) return rc;
    size_t seq_len = (size_t)llama2_model_config(m)->seq_len;
    if (steps > seq_len) steps = seq_len; /* the KV cache holds seq_len positions */
    llama2_stats st = {0, -1, 0.0, 0.0, 0.0};
    tsamp_status ts = tsamp_chain_reset(chain);
    if (ts != TSAMP_OK)
        return llama2_fail(err, errlen, LLAMA2_ERR_SAMPLER, "tsamp_chain_reset: %s",
                           tsamp_status_str(ts));
    double t0 = now_s();
    int32_t token = LLAMA2_BOS;
    for (size_t pos = 0; pos < steps; pos++) {
        double a = now_s();
        const float *logits = llama2_forward(m, s, token, (int32_t)pos);
        double b = now_s();
        int32_t next = 0;
        if (!logits)
            return llama2_fail(err, errlen, LLAMA2_ERR_ARG,
                               "llama2_generate: the state belongs to another model");
        ts = tsamp_chain_sample(chain, logits, &next);
        if (ts == TSAMP_OK) ts = tsamp_chain_accept(chain, next);
        double c = now_s();
        st.forward_s += b - a;
        st.sampler_s += c - b;
        if (ts != TSAMP_OK)
            return llama2_fail(err, errlen, LLAMA2_ERR_SAMPLER, "sampling token %zu: %s", pos,
                               tsamp_status_str(ts));
        st.n_tokens++;
        if (next == LLAMA2_EOS || next == LLAMA2_BOS) {
            st.stop_token = next;
            break;
        }
        if (emit) emit(ctx, next, llama2_decode(t, token, next));
        token = next;
    }
    st.total_s = now_s() - t0;
    if (stats) *stats = st;
    return LLAMA2_OK;
}
