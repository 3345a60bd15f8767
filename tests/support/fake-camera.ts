import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import QRCode from 'qrcode';

const run = promisify(execFile);

/**
 * A video file Chromium can use as its camera: the QR code of `payload` (480 px, quiet
 * zone included) centred on a 640×480 white frame, as raw .y4m (Chromium loops it).
 */
export async function qrCameraFile(payload: string, dir: string, name = 'camera'): Promise<string> {
  const png = join(dir, `${name}.png`);
  const y4m = join(dir, `${name}.y4m`);
  await QRCode.toFile(png, payload, { type: 'png', width: 480, margin: 4, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
  await run('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', png, '-t', '2', '-vf', 'scale=480:480,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=white,format=yuv420p', '-r', '10', y4m]);
  return y4m;
}

/** Chromium flags: a fake camera playing `file`, permission granted without a prompt. */
export function fakeCameraArgs(file: string): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`];
}
