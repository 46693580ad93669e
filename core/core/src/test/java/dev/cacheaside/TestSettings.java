package dev.cacheaside;

import dev.cacheaside.internal.EngineSettings;

/** The engine's settings as the facade builds them, for tests of the engine's parts. */
public final class TestSettings {

    private TestSettings() {
    }

    /** The settings taken from {@code options}. */
    public static EngineSettings of(CacheAsideOptions options) {
        return EngineMapping.settings(options);
    }
}
