/** DI token of the api's pino-http middleware (`HttpLogger`), which `configureHttp` puts first. */
export const HTTP_LOGGER = Symbol('cask-api:http-logger');
