/**
 * Runs the simulator on its own for demos and manual testing:
 *   npx tsx canvas-sim/main.ts --students 200 --courses 2 --seed 1 --port 4100
 */
import { parseArgs } from 'node:util';
import { generateCohort, startCanvasSimulator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      students: { type: 'string', default: '200' },
      courses: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      port: { type: 'string', default: '4100' },
      token: { type: 'string' },
      'large-ids': { type: 'boolean', default: false },
      'latency-ms': { type: 'string', default: '40' },
    },
  });
  const data = generateCohort({
    seed: values.seed,
    courses: Number(values.courses),
    studentsPerCourse: Number(values.students),
    largeIds: values['large-ids'],
  });
  const sim = await startCanvasSimulator({
    data,
    port: Number(values.port),
    token: values.token,
    latencyMs: Number(values['latency-ms']),
  });
  process.stdout.write(`Canvas simulator listening on ${sim.url}\n`);
  process.stdout.write(`token: ${sim.token}\n`);
  for (const course of sim.data.courses) {
    process.stdout.write(`course ${course.id}: ${course.name} (${course.enrollments.length} enrollments)\n`);
  }
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
