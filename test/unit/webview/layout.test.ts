import * as assert from 'node:assert/strict';
import { balancedColumns } from '../../../webview-ui/logic/layout';

describe('stat tiles: balanced rows', () => {
  it('keeps one row when the tiles fit, and never leaves one tile alone below a full row', () => {
    assert.equal(balancedColumns(6, 1000, 104, 8), 6);
    assert.equal(balancedColumns(6, 560, 104, 8), 3, '5 fit: 3 + 3 instead of 5 + 1');
    assert.equal(balancedColumns(7, 680, 104, 8), 4, '6 fit: 4 + 3 instead of 6 + 1');
    assert.equal(balancedColumns(4, 220, 104, 8), 2);
    assert.equal(balancedColumns(3, 50, 104, 8), 1);
  });
});
