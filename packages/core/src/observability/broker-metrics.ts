import type { AmqpConnection } from '../amqp/amqp-connection';
import { Counter, Gauge, Registry } from 'prom-client';

/**
 * Registers `cask_broker_connected` (1 while connected to RabbitMQ, else 0) and
 * `cask_broker_reconnects_total`, both read from the connection when scraped, so they cost nothing between scrapes.
 */
export function registerBrokerMetrics(registry: Registry, connection: AmqpConnection): void {
  new Gauge({
    name: 'cask_broker_connected',
    help: '1 while connected to RabbitMQ, 0 while not',
    registers: [registry],
    collect() {
      this.set(connection.isConnected ? 1 : 0);
    },
  });
  let counted = 0;
  new Counter({
    name: 'cask_broker_reconnects_total',
    help: 'Connections to RabbitMQ made again after one was lost',
    registers: [registry],
    collect() {
      const reconnects = connection.reconnects;
      if (reconnects > counted) this.inc(reconnects - counted);
      counted = reconnects;
    },
  });
}
