package dev.cacheaside.config;

/**
 * A configuration variable holds a value that cannot be used. The message names the variable
 * and the value (a secret's value is never shown) and says what was expected.
 */
public final class ConfigurationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String variable;

    /**
     * @param variable the variable's name, for example {@code CACHE_TTL}
     * @param message  the whole message, naming the variable and the value
     */
    public ConfigurationException(String variable, String message) {
        super(message);
        this.variable = variable;
    }

    /** The name of the variable at fault. */
    public String variable() {
        return variable;
    }
}
