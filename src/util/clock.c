#include "util/clock.h"

#include <stdlib.h>
#include <time.h>

#include "util/timefmt.h"

static int pinned;
static int64_t pinned_ms;

int64_t kd_now_ms(void)
{
    if (pinned)
        return pinned_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kd_clock_init_from_env(struct kd_error *err)
{
    const char *v = getenv("KEYDECK_NOW");
    if (!v || !*v)
        return 0;
    int64_t ms;
    if (kd_time_parse(v, 0, &ms, err) != 0)
        return kd_error_set(err, KD_ERR_INVALID, "KEYDECK_NOW",
                            "KEYDECK_NOW=\"%s\" is not a time: use Unix milliseconds or "
                            "YYYY-MM-DDTHH:MM:SSZ",
                            v);
    kd_clock_pin(ms);
    return 0;
}

void kd_clock_pin(int64_t ms)
{
    pinned = 1;
    pinned_ms = ms;
}

void kd_clock_advance(int64_t delta_ms)
{
    if (pinned)
        pinned_ms += delta_ms;
}

void kd_clock_unpin(void)
{
    pinned = 0;
}

int kd_clock_is_pinned(void)
{
    return pinned;
}
