/**
 * The error of a configuration value that cannot be used,
 * {@link dev.cacheaside.config.ConfigurationException}: it names the setting at fault, whatever
 * the values come from (environment variables, a {@code .env} file, an application's properties),
 * so that adapters throw it without depending on where their configuration is read.
 */
package dev.cacheaside.config;
