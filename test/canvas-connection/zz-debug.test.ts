it('debug', async () => {
  process.env.MONGODB_URI = process.env.TEST_MONGODB_URI + '/t_dbg' + Date.now();
  process.env.APP_SECRET = 'x'.repeat(40); process.env.NODE_ENV='test';
  for (let i = 0; i < 2; i++) {
  let svc: typeof import('../../src/service');
  let cfg: typeof import('../../src/config/env');
  jest.isolateModules(() => { svc = require('../../src/service'); cfg = require('../../src/config/env'); });
  const rt = await svc!.openRuntime(cfg!.loadConfig());
  try {
    await rt.registry.add({ issuer: 'https://canvas.example.org', clientId: '1', authUrl: 'https://canvas.example.org/a', tokenUrl: 'https://canvas.example.org/t', jwksUrl: 'https://canvas.example.org/j', deploymentIds: [] });
    console.log('ok', i);
  } catch (e) { console.log((e as Error).stack); }
  await rt.close();
  }
});
