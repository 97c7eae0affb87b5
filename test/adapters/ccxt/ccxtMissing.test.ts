import { describe, expect, it, vi } from 'vitest';

// ccxt as a project without it sees it: the import fails as Node fails it for a missing package.
vi.mock('ccxt', () => {
  throw Object.assign(new Error("Cannot find package 'ccxt' imported from microstream"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

describe('microstream/ccxt without ccxt installed', () => {
  it('says in one line how to install it', async () => {
    const { createCcxtExchange } = await import('../../../src/adapters/ccxt/loadCcxt.js');
    await expect(createCcxtExchange('bybit')).rejects.toThrow(
      /^microstream\/ccxt needs the ccxt package: npm install ccxt$/,
    );
  });
});
