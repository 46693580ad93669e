package dev.cacheaside.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The logger the engine writes to: the facade's name, so one logging setting covers both. */
final class EngineLog {

    /** The name of the logger, that of the facade {@code dev.cacheaside.CacheAside}. */
    static final String NAME = "dev.cacheaside.CacheAside";

    private EngineLog() {
    }

    /** The engine's logger. */
    static Logger logger() {
        return LoggerFactory.getLogger(NAME);
    }
}
