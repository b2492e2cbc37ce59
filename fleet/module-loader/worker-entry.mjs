// Worker threads do not inherit tsx's loader from the parent (Node 20), so the worker registers it itself.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
