console.log('tandem background up');
