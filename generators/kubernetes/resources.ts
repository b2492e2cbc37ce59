/**
 * CPU and memory for Kubernetes from the catalog's limits (compose notation: cpus "0.5", memory "256M").
 * Requests are a fixed fraction of the limits: MCP servers idle between tool calls and burst during them, so
 * the scheduler reserves a quarter of the CPU limit and half of the memory limit (QoS class Burstable).
 */
import type { Resources } from '../../mcp-types/index.ts';
import { kplus } from './plus.ts';

export const CPU_REQUEST_FRACTION = 1 / 4;
export const MEMORY_REQUEST_FRACTION = 1 / 2;

const KIB_PER_UNIT: Record<string, number> = { K: 1, M: 1024, G: 1024 * 1024 };

/** Millicores of a compose `cpus` value. */
export function cpuMillis(cpus: string): number {
  const millis = Math.round(Number(cpus) * 1000);
  if (!Number.isFinite(millis) || millis < 1) throw new Error(`cpus "${cpus}" is not a positive number of cores`);
  return millis;
}

/** MiB of a compose memory value (compose's K/M/G are binary units), rounded up to whole MiB as cdk8s-plus writes Mi. */
export function memoryMib(memory: string): number {
  const match = /^(\d+)([KMG])$/.exec(memory);
  if (!match) throw new Error(`memory "${memory}" is not a size such as 256M`);
  return Math.max(1, Math.ceil((Number(match[1]) * KIB_PER_UNIT[match[2]!]!) / 1024));
}

export function containerResources(resources: Resources, cpuRequestFraction = CPU_REQUEST_FRACTION): kplus.k8s.ResourceRequirements {
  const cpu = cpuMillis(resources.cpus);
  const memory = memoryMib(resources.memory);
  const quantities = (millicores: number, mebibytes: number) => ({
    cpu: kplus.k8s.Quantity.fromString(`${millicores}m`),
    memory: kplus.k8s.Quantity.fromString(`${mebibytes}Mi`),
  });
  return {
    limits: quantities(cpu, memory),
    requests: quantities(Math.max(1, Math.ceil(cpu * cpuRequestFraction)), Math.max(1, Math.ceil(memory * MEMORY_REQUEST_FRACTION))),
  };
}
