/**
 * Configuration from the environment and a {@code .env} file: {@link dev.cacheaside.config.Settings}
 * and the {@link dev.cacheaside.config.ConfigurationException} that names a bad variable.
 */
package dev.cacheaside.config;
