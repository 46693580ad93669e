package dev.cacheaside.spring;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the starter's change-stream consumer is doing, for the health indicator and the meters,
 * without naming a class of the optional module {@code cache-aside-debezium}. Thread safe: every
 * method reads the consumer's current state.
 */
interface ChangeStreamStatus {

    /** The consumer's states, in the order of the meter tags. */
    String[] STATES = {"RUNNING", "STANDBY", "FAILED", "STOPPED"};

    /** RUNNING, STANDBY, FAILED or STOPPED: see {@code ChangeStreamConsumer.Status}. */
    String status();

    /** Whether this instance holds the leader lease. */
    boolean leading();

    long invalidations();

    long conservativeInvalidations();

    long leaderships();

    long sourceFailures();

    /** The class of the source's last failure, or null; never its message (it may name a host). */
    String lastError();

    /** The health indicator's {@code changeStream} detail. */
    default Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("status", status());
        d.put("leading", leading());
        d.put("invalidations", invalidations());
        d.put("conservativeInvalidations", conservativeInvalidations());
        d.put("leaderships", leaderships());
        d.put("sourceFailures", sourceFailures());
        String error = lastError();
        if (error != null) {
            d.put("lastError", error);
        }
        return d;
    }
}
