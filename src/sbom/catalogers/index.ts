import { apkCataloger } from './apk.js';
import { dpkgCataloger } from './dpkg.js';
import { goCataloger } from './golang.js';
import { javaCataloger } from './java.js';
import { npmCataloger } from './npm.js';
import { pythonCataloger } from './python.js';
import { rpmCataloger } from './rpm.js';
import type { FileCataloger, StreamCataloger } from './types.js';

export const FILE_CATALOGERS: readonly FileCataloger[] = [dpkgCataloger, apkCataloger, rpmCataloger, npmCataloger, pythonCataloger, javaCataloger];
export const STREAM_CATALOGERS: readonly StreamCataloger[] = [goCataloger];
export type { FileCataloger, StreamCataloger, StreamScanner } from './types.js';
