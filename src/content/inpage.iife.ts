(window as any).tandemProbe = true;
